"""Guess whether a mail is Japanese or English from its characters (no model, no I/O).

The inbox carries only these two languages; the share of kana/kanji among the letters
decides, which is fast and stable on short subjects. Kana alone is decisive: Chinese
mail (Han only) is rare here and would be read with the Japanese pipeline anyway.
"""

from __future__ import annotations

__all__ = ["detect"]

_JA_THRESHOLD = 0.10


def _is_japanese(code: int) -> bool:
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF  # katakana phonetic extensions
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x3005 <= code <= 0x3007  # 々 〆 〇
    )


def detect(text: str) -> str:
    """Return "ja" when kana/kanji make up at least 10% of the letters, else "en"."""
    ja = letters = 0
    for ch in text[:20_000]:
        if _is_japanese(ord(ch)):
            ja += 1
            letters += 1
        elif ch.isalpha():
            letters += 1
    if not letters:
        return "en"
    return "ja" if ja / letters >= _JA_THRESHOLD else "en"
