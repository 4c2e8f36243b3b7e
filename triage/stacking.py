"""Parts of the stacked classifier that work on the sentence-encoder columns.

The feature step produces one matrix: the sparse n-gram blocks, then the DIMENSION
encoder columns last (triage.features.build_features). Each stack member takes its part
with `BlockColumns`, so the texts are vectorised and encoded once for all members.

The neighbour vote adapts k to the size of the data: `triage train` fits on a few
thousand mails, the external benchmark on 38,000 tickets, the tests on a few dozen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.neighbors import KNeighborsClassifier


class BlockColumns(TransformerMixin, BaseEstimator):
    """The last `width` columns (keep="last", as a dense array) or all the others."""

    def __init__(self, width: int, keep: str = "last"):
        self.width = width
        self.keep = keep

    def fit(self, X: Any, y: Any = None) -> BlockColumns:
        if self.keep not in ("last", "rest"):
            raise ValueError(f"keep must be 'last' or 'rest', not {self.keep!r}")
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> Any:
        split = X.shape[1] - self.width
        if self.keep == "rest":
            return X[:, :split]
        part = X[:, split:]
        return np.asarray(part.toarray() if sp.issparse(part) else part, dtype=np.float32)


class NeighbourVote(ClassifierMixin, BaseEstimator):
    """Distance-weighted cosine k-nearest-neighbour vote; k shrinks for small data.

    Requests are often written from a template or re-sent: the nearest earlier request
    is then the best evidence of its desk, which the linear models average away.
    """

    def __init__(self, n_neighbors: int = 25):
        self.n_neighbors = n_neighbors

    def fit(self, X: Any, y: Any) -> NeighbourVote:
        X = np.asarray(X, dtype=np.float32)
        k = max(1, min(self.n_neighbors, len(X) - 1))
        self.knn_ = KNeighborsClassifier(
            n_neighbors=k, metric="cosine", weights="distance", algorithm="brute"
        ).fit(X, y)
        self.classes_ = self.knn_.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.knn_.predict_proba(np.asarray(X, dtype=np.float32))

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
