"""The loaded type + urgency model: RequestText in, Prediction out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer

from triage.errors import ModelError
from triage.model import artefact, registry
from triage.model.thresholds import is_confident
from triage.records import Prediction, RequestText
from triage.taxonomy import TYPES, URGENCIES


def fast_proba(pipe: Any, fields: np.ndarray) -> np.ndarray:
    """pipe[1:].predict_proba(fields) without the per-call validation layers.

    For one request, scikit-learn's input checks (ColumnTransformer, joblib dispatch,
    CalibratedClassifierCV) cost several times the arithmetic. This walks the fitted,
    documented attributes (ColumnTransformer.transformers_ / transformer_weights,
    CalibratedClassifierCV.calibrated_classifiers_) directly; a test holds it equal to
    the Pipeline's own predict_proba, and load() pins scikit-learn's major.minor.
    Anything of another shape takes the ordinary path.
    """
    blocks = pipe.steps[1][1] if len(pipe.steps) == 3 else None
    clf = pipe.steps[-1][1]
    calibrated = getattr(clf, "calibrated_classifiers_", None)
    if not isinstance(blocks, ColumnTransformer) or not calibrated or len(calibrated) != 1:
        return pipe[1:].predict_proba(fields)
    weights = blocks.transformer_weights or {}
    mats = []
    for name, transformer, column in blocks.transformers_:
        if isinstance(transformer, str):  # "drop" / "passthrough" remainder
            if transformer == "drop":
                continue
            return pipe[1:].predict_proba(fields)
        m = transformer.transform(fields[:, column])
        m = m if sp.issparse(m) else sp.csr_matrix(m)
        mats.append(m * weights[name] if name in weights else m)
    X = sp.hstack(mats, format="csr")
    return calibrated[0].predict_proba(X)


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
        return cls(models, meta)

    def _proba(self, task: str, fields: np.ndarray) -> tuple[list[str], np.ndarray]:
        pipe = self.models[task]
        return [str(c) for c in pipe.classes_], fast_proba(pipe, fields)

    def predict_many(self, texts: Sequence[RequestText]) -> list[Prediction]:
        """Predictions in input order (one batch through the vectorisers is faster)."""
        if not texts:
            return []
        fields = self.models["type"][0].transform(list(texts))
        t_labels, t_proba = self._proba("type", fields)
        u_labels, u_proba = self._proba("urgency", fields)
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
