"""The one place that imports spaCy.

Japanese goes through spaCy's Sudachi-backed tokenizer (lemmas and part-of-speech tags
come from Sudachi itself, no neural components: DESIGN.md measured the tok2vec layer as
the cost, ~160 ms per request, against ~3 ms for the tokenizer). English uses spaCy's own
rule-based tokenizer. Pipelines are built once per process and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from thinc.api import NumpyOps, set_current_ops

set_current_ops(NumpyOps(use_blis=False))


@dataclass(frozen=True)
class Token:
    text: str
    lemma: str
    pos: str


@lru_cache(maxsize=4)
def pipeline(lang: str) -> Any:
    """A cached spaCy Language for 'ja' or 'en' (anything else is treated as English)."""
    if lang == "ja":
        return spacy.blank("ja")
    return spacy.blank("en")


def tokens(text: str, lang: str) -> list[Token]:
    """Tokens with lemma and coarse tag; English lemma falls back to the lower-cased text."""
    doc = pipeline(lang)(text)
    out: list[Token] = []
    for t in doc:
        if t.is_space:
            continue
        lemma = t.lemma_ or t.lower_
        out.append(Token(t.text, lemma, t.tag_ or t.pos_))
    return out
