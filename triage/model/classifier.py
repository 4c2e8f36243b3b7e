"""The loaded type + urgency model: RequestText in, Prediction out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import StackingClassifier
from sklearn.feature_extraction import DictVectorizer

from triage.embedding import SentenceEmbedder
from triage.errors import ModelError
from triage.features import OptionalText
from triage.model import artefact, registry
from triage.model.thresholds import is_confident
from triage.records import Prediction, RequestText
from triage.taxonomy import TYPES, URGENCIES


def blocks_equal(a: Any, b: Any) -> bool:
    """Whether two fitted ColumnTransformers of ours produce identical features.

    The type and urgency pipelines fit their (unsupervised) vectorisers on the same
    texts, so they normally learn the same vocabularies; training then stores one
    shared object, and prediction vectorises once for both tasks.
    """
    if not (isinstance(a, ColumnTransformer) and isinstance(b, ColumnTransformer)):
        return False
    if a.transformer_weights != b.transformer_weights or len(a.transformers_) != len(
        b.transformers_
    ):
        return False
    for (na, ta, ca), (nb, tb, cb) in zip(a.transformers_, b.transformers_, strict=True):
        if na != nb or ca != cb or type(ta) is not type(tb):
            return False
        if isinstance(ta, str):
            if ta != tb:
                return False
        elif isinstance(ta, OptionalText):
            if ta.empty_ != tb.empty_:
                return False
            if not ta.empty_ and not (
                ta.vectorizer_.get_params() == tb.vectorizer_.get_params()
                and ta.vectorizer_.vocabulary_ == tb.vectorizer_.vocabulary_
                and np.array_equal(ta.vectorizer_.idf_, tb.vectorizer_.idf_)
            ):
                return False
        elif isinstance(ta, DictVectorizer):
            if ta.vocabulary_ != tb.vocabulary_ or ta.get_params() != tb.get_params():
                return False
        elif isinstance(ta, SentenceEmbedder):
            if ta.get_params() != tb.get_params() or ta.encoder_version_ != tb.encoder_version_:
                return False
        else:
            return False
    return True


def features_of(pipe: Any, fields: np.ndarray) -> Any:
    """The sparse feature matrix of pipe's blocks step (fast path, see fast_proba)."""
    blocks = pipe.steps[1][1]
    weights = blocks.transformer_weights or {}
    mats = []
    for name, transformer, column in blocks.transformers_:
        if isinstance(transformer, str):
            if transformer == "drop":
                continue
            return None
        m = transformer.transform(fields[:, column])
        m = m if sp.issparse(m) else sp.csr_matrix(m)
        mats.append(m * weights[name] if name in weights else m)
    return sp.hstack(mats, format="csr")


def fast_proba(pipe: Any, fields: np.ndarray, X: Any = None) -> np.ndarray:
    """pipe[1:].predict_proba(fields) without the per-call validation layers.

    For one request, scikit-learn's input checks (ColumnTransformer, joblib dispatch,
    CalibratedClassifierCV) cost several times the arithmetic. This walks the fitted,
    documented attributes (ColumnTransformer.transformers_ / transformer_weights,
    CalibratedClassifierCV.calibrated_classifiers_) directly; a StackingClassifier gets
    the shared feature matrix and runs its own predict_proba. A test holds it equal to
    the Pipeline's own predict_proba, and load() pins scikit-learn's major.minor.
    Anything of another shape takes the ordinary path.
    """
    blocks = pipe.steps[1][1] if len(pipe.steps) == 3 else None
    clf = pipe.steps[-1][1]
    calibrated = getattr(clf, "calibrated_classifiers_", None)
    stacked = isinstance(clf, StackingClassifier)
    if not isinstance(blocks, ColumnTransformer) or not (
        stacked or (calibrated and len(calibrated) == 1)
    ):
        return pipe[1:].predict_proba(fields)
    if X is None:
        X = features_of(pipe, fields)
    if X is None:  # a "passthrough" remainder: not ours, take the ordinary path
        return pipe[1:].predict_proba(fields)
    if stacked:  # shares the vectorised X with the other task; its own checks are cheap
        return clf.predict_proba(X)
    return calibrated[0].predict_proba(X)


def _warm_encoders(models: dict[str, Any]) -> None:
    """Load the sentence encoder now, not on the first mail: a missing package or another
    encoder version is a ModelError at start-up, and the first request is not slow."""
    for pipe in models.values():
        blocks = pipe.steps[1][1] if len(pipe.steps) == 3 else None
        for _, transformer, _ in getattr(blocks, "transformers_", []):
            if isinstance(transformer, SentenceEmbedder):
                transformer.transform(["warm-up"])
                return


class Classifier:
    """Two calibrated pipelines sharing one feature-extraction step.

    Both pipelines start with the same stateless RequestFields step (spaCy/Sudachi
    tokenisation, deadline search): it runs once per request, then each task's
    vectorisers and linear model run on its output.
    """

    def __init__(self, models: dict[str, Any], metadata: dict[str, Any]):
        self.models = models
        self.metadata = metadata
        self.version: str = metadata.get("version", "unversioned")
        thresholds = metadata.get("thresholds") or {}
        self.type_thresholds: dict[str, float] = dict(thresholds.get("type") or {})
        self.urgency_thresholds: dict[str, float] = dict(thresholds.get("urgency") or {})

    @classmethod
    def load(
        cls,
        models_dir: str | Path,
        version: str | None = None,
        *,
        types: tuple[str, ...] = TYPES,
        urgencies: tuple[str, ...] = URGENCIES,
    ) -> Classifier:
        """Load a version (default: models/CURRENT), refusing a mismatched artefact."""
        d = Path(models_dir)
        name = version or registry.current(d)
        if name is None:
            raise ModelError(f"{d}: no current model; train one with `triage train`")
        if not (d / name).is_dir():
            raise ModelError(f"{d}: no model version {name!r}")
        models, meta = artefact.load(d / name, types=types, urgencies=urgencies)
        _warm_encoders(models)
        return cls(models, meta)

    def _proba(self, task: str, fields: np.ndarray, X: Any = None) -> tuple[list[str], np.ndarray]:
        pipe = self.models[task]
        return [str(c) for c in pipe.classes_], fast_proba(pipe, fields, X)

    def predict_many(self, texts: Sequence[RequestText]) -> list[Prediction]:
        """Predictions in input order (one batch through the vectorisers is faster)."""
        if not texts:
            return []
        t_pipe, u_pipe = self.models["type"], self.models["urgency"]
        # our own inputs: skip scikit-learn's per-call validation (it dominated latency)
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            fields = t_pipe[0].transform(list(texts))
            shared = None
            if len(t_pipe.steps) == 3 and t_pipe.steps[1][1] is u_pipe.steps[1][1]:
                shared = features_of(t_pipe, fields)  # one vectorisation for both tasks
            t_labels, t_proba = self._proba("type", fields, shared)
            u_labels, u_proba = self._proba("urgency", fields, shared)
        out: list[Prediction] = []
        for tp, up in zip(t_proba, u_proba, strict=True):
            ti, ui = int(tp.argmax()), int(up.argmax())
            t, u = t_labels[ti], u_labels[ui]
            confident = is_confident(t, float(tp[ti]), self.type_thresholds)
            if self.urgency_thresholds:
                confident = confident and is_confident(u, float(up[ui]), self.urgency_thresholds)
            out.append(
                Prediction(
                    type=t,
                    type_confidence=float(tp[ti]),
                    urgency=u,
                    urgency_confidence=float(up[ui]),
                    model_version=self.version,
                    type_scores={k: round(float(v), 4) for k, v in zip(t_labels, tp, strict=True)},
                    urgency_scores={
                        k: round(float(v), 4) for k, v in zip(u_labels, up, strict=True)
                    },
                    confident=confident,
                )
            )
        return out

    def predict(self, rt: RequestText) -> Prediction:
        return self.predict_many([rt])[0]
