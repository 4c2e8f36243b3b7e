"""A learned second opinion for slots where wording varies too much for patterns.

Whether a mail gives the *reason* for a request is a judgement about its content ("the
line starts a week earlier", "we are expanding the lab"), not a closed set of words. On
held-out training data a logistic regression over character n-grams plus the rule's own
verdict beats the rules alone for `reason` (and only there), so it is used there.

The model is plain JSON (vocabulary, idf, coefficients, metadata): no pickle, loadable
without scikit-learn; scoring is a sparse dot product (well under a millisecond). It is
fitted by scripts/train_context.py on training_data/ only. The evidence it gives is the
sentence that contributed most to "found", so an owner can still see why.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = "triage.context.learned/1"
# package data, so a plain (non-editable) install finds it too
DEFAULT_DIR = Path(__file__).resolve().parent / "models"
NGRAMS = (2, 3, 4)
RULE_WEIGHT = 3.0  # the rule's verdict enters as one extra, unnormalised feature
_SPACE = re.compile(r"\s+")
_SENTENCES = re.compile(r"[^。．.!?！？\n]+[。．.!?！？]?")


def char_ngrams(text: str) -> list[str]:
    """Lower-cased character n-grams within whitespace-separated chunks (padded)."""
    out: list[str] = []
    for chunk in _SPACE.split(text.lower()):
        if not chunk:
            continue
        w = f" {chunk} "
        for n in NGRAMS:
            out.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return out


@dataclass(frozen=True)
class SlotModel:
    """P(slot missing | text, rule verdict) for one slot."""

    slot: str
    vocabulary: dict[str, int]
    idf: tuple[float, ...]
    coef: tuple[float, ...]  # one per vocabulary entry, then the rule feature
    intercept: float
    threshold: float = 0.5
    meta: dict = field(default_factory=dict, compare=False)

    def _weights(self, text: str) -> dict[int, float]:
        vocab, idf, log = self.vocabulary, self.idf, math.log
        vals: dict[int, float] = {}
        for g, c in Counter(char_ngrams(text)).items():
            i = vocab.get(g)
            if i is not None:
                vals[i] = (1.0 + log(c)) * idf[i]
        norm = math.sqrt(sum(v * v for v in vals.values())) or 1.0
        return {i: v / norm for i, v in vals.items()}

    def p_missing(self, text: str, rule_missing: bool) -> float:
        z = self.intercept + (self.coef[-1] * RULE_WEIGHT if rule_missing else 0.0)
        z += sum(self.coef[i] * v for i, v in self._weights(text).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def evidence(self, text: str) -> str:
        """The sentence whose n-grams argue most strongly that the slot is given."""
        best, best_score = "", 0.0
        for m in _SENTENCES.finditer(text):
            sent = m.group(0).strip()
            if len(sent) < 4:
                continue
            grams = [g for g in char_ngrams(sent) if g in self.vocabulary]
            score = -sum(
                self.coef[self.vocabulary[g]] * self.idf[self.vocabulary[g]] for g in grams
            )
            score /= math.sqrt(len(grams) or 1)
            if score > best_score:
                best, best_score = sent, score
        return best

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "slot": self.slot, "vocabulary": self.vocabulary,
            "idf": list(self.idf), "coef": list(self.coef), "intercept": self.intercept,
            "threshold": self.threshold, "meta": self.meta or {},
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> SlotModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model: {data.get('format')!r}")
        vocab = {str(k): int(v) for k, v in data["vocabulary"].items()}
        coef = tuple(float(x) for x in data["coef"])
        if len(coef) != len(vocab) + 1 or len(data["idf"]) != len(vocab):
            raise ValueError("model arrays do not match its vocabulary")
        return cls(
            slot=data["slot"], vocabulary=vocab, idf=tuple(float(x) for x in data["idf"]),
            coef=coef, intercept=float(data["intercept"]),
            threshold=float(data.get("threshold", 0.5)), meta=data.get("meta") or {},
        )  # fmt: skip


_directory: list[Path] = [DEFAULT_DIR]


def use_directory(directory: Path) -> None:
    """Load models from another directory (evaluation of a held-out fit, tests)."""
    _directory[0] = Path(directory)
    load.cache_clear()


def model_path(slot: str, directory: Path | None = None) -> Path:
    return (directory or _directory[0]) / f"context_{slot}.json"


@lru_cache(maxsize=16)
def load(slot: str) -> SlotModel | None:
    """The shipped model for ``slot``, or None (rules alone) when there is none."""
    path = model_path(slot)
    if not path.exists():
        log.info("no context model at %s: rules alone decide %s", path, slot)
        return None
    try:
        return SlotModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("context model %s unusable, using rules only: %s", path, exc)
        return None
