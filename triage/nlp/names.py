"""Person names in Japanese text, from Sudachi's part-of-speech tags (人名).

Sudachi tags family and given names (名詞-固有名詞-人名-姓/名) from its dictionary, which
is a far better person detector for Japanese mail than any hand list; the tokenizer is
the cheap part of the pipeline (DESIGN.md: ~3 ms per request).
"""

from __future__ import annotations

from functools import lru_cache

from triage.nlp import pipeline

_HONORIFICS = ("さん", "様", "氏", "君", "くん", "ちゃん", "殿")


def ja_person_names(text: str) -> list[tuple[str, int]]:
    """(name, character offset) for each person name, family + given name merged."""
    return list(_names(text))


@lru_cache(maxsize=64)
def _names(text: str) -> tuple[tuple[str, int], ...]:
    doc = pipeline("ja")(text)
    out: list[tuple[str, int]] = []
    i = 0
    toks = list(doc)
    while i < len(toks):
        t = toks[i]
        if "人名" in t.tag_:
            j = i
            while j + 1 < len(toks) and "人名" in toks[j + 1].tag_:
                j += 1
            start, end = t.idx, toks[j].idx + len(toks[j].text)
            out.append((text[start:end], start))
            i = j + 1
            continue
        i += 1
    return tuple(out)


def ja_honorific_names(text: str) -> list[tuple[str, int]]:
    """Names directly followed by an honorific (田中さん, 佐藤様): someone addressed or named."""
    out = []
    for name, start in ja_person_names(text):
        after = text[start + len(name) : start + len(name) + 3].lstrip()
        if after.startswith(_HONORIFICS):
            out.append((name, start))
    return out
