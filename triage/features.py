"""Features for the type and urgency models: one scikit-learn Pipeline per task.

The pipeline's input is a list of RequestText (plain strings are accepted and read as a
body without subject, which is what the external ticket benchmark feeds it), so the
exact same object is trained by `triage train`, scored by the benchmark and run by the
daemon. Blocks, each TF-IDF with sublinear tf and l2 norm:

- char_wb n-grams over subject + new text: robust to Japanese segmentation, spelling
  variants and the pre-processed English of ticket data;
- word 1-2-grams over spaCy/Sudachi tokens (lemmas for Japanese, content words only);
- the subject again (char_wb, weighted): subjects are short and dense with the topic;
- quoted / forwarded context (weighted low): a forward says what it is about below;
- metadata: attachments (and words of their file names), reply / forward, length,
  language, and for urgency the stated deadline in business days (triage.deadlines);
- last, the subject + new text as a pretrained sentence encoder's vector
  (triage.embedding).

The classifier (build_estimator) stacks linear models on the n-gram blocks and a
nearest-neighbour vote on the encoder vector; a logistic regression
on their out-of-fold scores gives the calibrated probabilities the confidence
thresholds need.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import StackingClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from triage import nlp
from triage.embedding import DIMENSION, SentenceEmbedder
from triage.records import RequestText
from triage.stacking import BlockColumns, ChosenCombiner, NeighbourVote
from triage.textprep import prepare_parts

log = logging.getLogger(__name__)

# Column order of the array RequestFields produces.
TEXT, SUBJECT, CONTEXT, TOKENS, META = range(5)

# Sudachi part-of-speech prefixes that carry no topic (particles, auxiliaries, symbols).
_JA_DROP = ("助詞", "助動詞", "補助記号", "記号", "空白")
_PUNCT = re.compile(r"^[\W_]+$")
_FILE_WORD = re.compile(r"[^\W\d_]{2,}")


def _find_deadline() -> Callable[..., Any] | None:
    """triage.deadlines.find_deadline when that module is installed (it is optional)."""
    try:
        from triage.deadlines import find_deadline
    except ImportError:
        return None
    return find_deadline


_EN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def token_string(text: str, lang: str) -> str:
    """Space-joined content tokens: Sudachi lemmas for Japanese, lower-case words otherwise.

    English goes through a word regex rather than spaCy: the blank English pipeline has no
    lemmatiser, so spaCy would give the same words at ~3 ms a request instead of ~0.05.
    """
    if lang != "ja":
        return " ".join(_EN_WORD.findall(text.lower()))
    out: list[str] = []
    for tok in nlp.tokens(text, lang):
        if tok.pos.startswith(_JA_DROP):
            continue
        word = (tok.lemma or tok.text).lower()
        if not word.strip() or _PUNCT.match(word):
            continue
        out.append(word)
    return " ".join(out)


def _deadline_bucket(days: int) -> str:
    if days <= 0:
        return "0"
    if days == 1:
        return "1"
    if days <= 3:
        return "2-3"
    if days <= 7:
        return "4-7"
    return "8+"


def meta_features(rt: RequestText, parts: Any, deadline_fn: Callable[..., Any] | None) -> dict:
    """Small dict of metadata features (DictVectorizer input)."""
    feats: dict[str, float] = {
        f"lang={rt.lang}": 1.0,
        "has_attachment": 1.0 if rt.attachments else 0.0,
        "is_reply": 1.0 if parts.is_reply else 0.0,
        "is_forward": 1.0 if parts.is_forward else 0.0,
        "has_context": 1.0 if parts.context else 0.0,
        f"len={min(int(math.log2(len(parts.text) + 1)), 12)}": 1.0,
    }
    for name in rt.attachments:
        for word in _FILE_WORD.findall(name.lower()):
            feats[f"att={word}"] = 1.0
    if rt.sent_at is not None:
        feats[f"dow={rt.sent_at.weekday()}"] = 1.0
    if deadline_fn is not None and rt.sent_at is not None:
        try:
            found = deadline_fn(parts.raw_text, rt.sent_at)
        except (ValueError, TypeError, ArithmeticError) as exc:
            log.warning("deadline finder failed: %s", exc)
            found = None
        key = "none" if found is None else _deadline_bucket(int(found.business_days))
        feats[f"deadline={key}"] = 1.0
    return feats


def _as_request(x: Any) -> RequestText:
    if isinstance(x, RequestText):
        return x
    if isinstance(x, str):
        return RequestText(subject="", body=x)
    raise TypeError(f"expected RequestText or str, got {type(x).__name__}")


class RequestFields(TransformerMixin, BaseEstimator):
    """RequestText (or str) -> object array [text, subject, context, tokens, meta].

    Stateless; parameters say which parts to compute so that a cheaper variant can be
    measured with the same pipeline shape.
    """

    def __init__(self, placeholders: bool = True, tokens: bool = True, deadlines: bool = True):
        self.placeholders = placeholders
        self.tokens = tokens
        self.deadlines = deadlines

    def fit(self, X: Sequence[Any], y: Any = None) -> RequestFields:
        self.n_features_in_ = 1
        return self

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        deadline_fn = _find_deadline() if self.deadlines else None
        out = np.empty((len(X), 5), dtype=object)
        for i, x in enumerate(X):
            rt = _as_request(x)
            parts = prepare_parts(rt, placeholders=self.placeholders)
            out[i, TEXT] = parts.text
            out[i, SUBJECT] = parts.subject
            out[i, CONTEXT] = parts.context
            out[i, TOKENS] = token_string(parts.text, rt.lang) if self.tokens else ""
            out[i, META] = meta_features(rt, parts, deadline_fn)
        return out


class OptionalText(TransformerMixin, BaseEstimator):
    """A text vectoriser that yields one all-zero column when every training text is empty.

    Ticket data has no subject or quoted context; the same pipeline must still fit
    (ColumnTransformer refuses blocks with zero columns, hence the one zero column).
    """

    vectorizer_: Any

    def __init__(self, vectorizer: Any = None):
        self.vectorizer = vectorizer

    def fit(self, X: Sequence[str], y: Any = None) -> OptionalText:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Sequence[str], y: Any = None, **_: Any) -> Any:
        docs = list(X)
        self.empty_ = not any(d.strip() for d in docs)
        if self.empty_:
            self.vectorizer_ = None
            return sp.csr_matrix((len(docs), 1), dtype=np.float32)
        self.vectorizer_ = clone(self.vectorizer)
        try:
            return self.vectorizer_.fit_transform(docs)
        except ValueError:  # only stop words / below min_df: no vocabulary
            log.info("text block has no vocabulary; it contributes no features")
            self.empty_ = True
            self.vectorizer_ = None
            return sp.csr_matrix((len(docs), 1), dtype=np.float32)

    def transform(self, X: Sequence[str]) -> Any:
        docs = list(X)
        if self.empty_:
            return sp.csr_matrix((len(docs), 1), dtype=np.float32)
        return self.vectorizer_.transform(docs)

    # Persistence: skops writes a dict node by node, so a 500k-entry vocabulary_ took
    # ~13 s to load. The fitted vectoriser is stored as two arrays instead (terms in
    # column order, idf) and rebuilt on load: same transform, loads in well under 1 s.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vec = state.pop("vectorizer_", None)
        if vec is not None:
            vocab = vec.vocabulary_
            state["terms_"] = np.array(sorted(vocab, key=vocab.__getitem__), dtype=str)
            state["idf_"] = np.asarray(vec.idf_, dtype=np.float64)
        else:
            state["terms_"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "terms_" not in state:  # a plain __dict__ (copy.copy, older artefacts)
            super().__setstate__(state)
            return
        terms = state.pop("terms_")
        idf = state.pop("idf_", None)
        super().__setstate__(state)
        if terms is None:
            self.vectorizer_ = None
            return
        vec = clone(self.vectorizer)
        vec.vocabulary_ = {t: i for i, t in enumerate(terms.tolist())}
        vec.fixed_vocabulary_ = False
        vec.idf_ = idf
        self.vectorizer_ = vec

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        if self.empty_:
            return np.array(["empty"], dtype=object)
        return self.vectorizer_.get_feature_names_out()


def _tfidf(**kw: Any) -> OptionalText:
    base: dict[str, Any] = {"sublinear_tf": True, "min_df": 2, "dtype": np.float32}
    base.update(kw)
    return OptionalText(TfidfVectorizer(**base))


def build_features(
    *,
    char_range: tuple[int, int] = (1, 4),
    word_range: tuple[int, int] = (1, 2),
    subject_weight: float = 0.5,
    context_weight: float = 0.3,
    tokens: bool = True,
    deadlines: bool = True,
    encoder: bool = True,
) -> Pipeline:
    """RequestText -> sparse feature matrix; the encoder's DIMENSION columns come last."""
    blocks = ColumnTransformer(
        [
            ("char", _tfidf(analyzer="char_wb", ngram_range=char_range), TEXT),
            ("word", _tfidf(token_pattern=r"\S+", ngram_range=word_range), TOKENS),
            ("subject", _tfidf(analyzer="char_wb", ngram_range=(1, 3)), SUBJECT),
            (
                "context",
                _tfidf(analyzer="char_wb", ngram_range=(2, 4), max_features=50_000),
                CONTEXT,
            ),
            ("meta", DictVectorizer(dtype=np.float32), META),
        ]
        + ([("encoder", SentenceEmbedder(), TEXT)] if encoder else []),
        transformer_weights={"subject": subject_weight, "context": context_weight},
        sparse_threshold=1.0,
    )
    return Pipeline(
        [("fields", RequestFields(tokens=tokens, deadlines=deadlines)), ("blocks", blocks)]
    )


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """One-vs-rest logistic regression on naive-Bayes log-count-ratio scaled features.

    NB-SVM (Wang & Manning 2012): each class k scales feature j by r_kj, the log ratio of
    how often j occurs (present / absent) in class k versus the rest, then fits a binary
    linear model. Scaling is folded into the coefficients, so the fitted model is a plain
    linear one (coef_, intercept_): cheap to store and to apply. It errs differently from
    the LinearSVC on the same features, which is what stacking needs.
    """

    def __init__(self, C: float = 4.0, alpha: float = 1.0, max_iter: int = 2_000):
        self.C = C
        self.alpha = alpha
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> NBLogisticRegression:
        X = sp.csr_matrix(X, dtype=np.float32)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        present = (X > 0).astype(np.float32)
        coef = np.zeros((len(self.classes_), X.shape[1]), dtype=np.float64)
        intercept = np.zeros(len(self.classes_), dtype=np.float64)
        for k, label in enumerate(self.classes_):
            pos = y == label
            p = np.asarray(present[pos].sum(axis=0)).ravel() + self.alpha
            q = np.asarray(present[~pos].sum(axis=0)).ravel() + self.alpha
            r = np.log((p / p.sum()) / (q / q.sum()))
            lr = LogisticRegression(C=self.C, max_iter=self.max_iter)
            lr.fit(X.multiply(r.astype(np.float32)).tocsr(), pos)
            coef[k] = lr.coef_[0] * r
            intercept[k] = lr.intercept_[0]
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]


def build_estimator(kind: str = "stack", *, C: float = 1.0, seed: int = 0, cal_cv: int = 3) -> Any:
    """A classifier with calibrated probabilities; features from build_features.

    "stack" (the default; needs the encoder columns): LinearSVC on all columns,
    NB-logistic regression on the n-gram blocks, a cosine nearest-neighbour vote on the
    sentence-encoder vectors. A multinomial logistic regression (ChosenCombiner: on the
    scores or on their pairwise products, chosen by CV) combines their out-of-fold
    scores (cal_cv folds), so its probabilities are calibrated by construction. On the
    external ticket benchmark's training split (5-fold OOF, meta 3x5-fold CV) the
    neighbour vote took macro-F1 from 0.869 to 0.882; a one-layer network on the same
    vectors added nothing more (0.882). Letting the SVC see the encoder columns too:
    0.8807 -> 0.8819 there (training_data CV type macro-F1 0.9653 -> 0.9642, noise).
    "stack-linear": the first two members only (features built with encoder=False).
    "svc": LinearSVC calibrated by Platt scaling on cal_cv folds; ensemble=False keeps one
    coefficient matrix (a 5-fold ensemble would make the artefact 5x larger).
    "logreg": LogisticRegression, probabilistic by itself.
    """
    svc = LinearSVC(C=C, class_weight="balanced", random_state=seed, max_iter=10_000)
    if kind == "stack":
        rest = BlockColumns(DIMENSION, keep="rest")
        last = BlockColumns(DIMENSION, keep="last")
        return StackingClassifier(
            [
                ("svc", svc),  # all columns: the encoder's too
                ("nblr", Pipeline([("cols", rest), ("nblr", NBLogisticRegression())])),
                ("knn", Pipeline([("cols", last), ("knn", NeighbourVote())])),
            ],
            final_estimator=ChosenCombiner(cv=cal_cv, seed=seed),
            cv=StratifiedKFold(cal_cv, shuffle=True, random_state=seed),
            stack_method="auto",
        )
    if kind == "stack-linear":
        return StackingClassifier(
            [("svc", svc), ("nblr", NBLogisticRegression())],
            final_estimator=LogisticRegression(max_iter=5_000),
            cv=StratifiedKFold(cal_cv, shuffle=True, random_state=seed),
            stack_method="decision_function",
        )
    if kind == "svc":
        return CalibratedClassifierCV(svc, method="sigmoid", cv=cal_cv, ensemble=False)
    if kind == "logreg":
        return LogisticRegression(C=C, class_weight="balanced", max_iter=5_000, random_state=seed)
    raise ValueError(f"unknown estimator kind {kind!r}")


def build_pipeline(
    *,
    kind: str = "stack",
    C: float = 1.0,
    seed: int = 0,
    cal_cv: int = 3,
    **feature_options: Any,
) -> Pipeline:
    """The full model for one task: features -> calibrated classifier."""
    feature_options.setdefault("encoder", kind == "stack")
    if kind == "stack" and not feature_options["encoder"]:
        # its members split the matrix at the encoder columns: without them they would
        # silently take the last n-gram columns instead
        raise ValueError("kind 'stack' needs the encoder columns; use 'stack-linear'")
    feats = build_features(**feature_options)
    return Pipeline(feats.steps + [("clf", build_estimator(kind, C=C, seed=seed, cal_cv=cal_cv))])
