"""Guess whether a mail is Japanese or English from its characters (no model, no I/O).

The inbox carries only these two languages; the share of kana/kanji among the letters
decides, which is fast and stable on short subjects. Chinese mail (Han only) is rare
here and counts as "ja", so it is read with the Japanese pipeline.
"""

from __future__ import annotations

import re

__all__ = ["detect"]

_JA_THRESHOLD = 0.10
_LIMIT = 20_000
_JAPANESE = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u3005-\u3007]"
)
_LETTER = re.compile(r"[^\W\d_]")


def detect(text: str) -> str:
    """Return "ja" when kana/kanji make up at least 10% of the letters, else "en"."""
    sample = text[:_LIMIT]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return "en"
    return "ja" if len(_JAPANESE.findall(sample)) / letters >= _JA_THRESHOLD else "en"
