"""Shared helpers for slot detectors: search the parts in order, keep the evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable

from triage.context.view import View
from triage.records import SlotFinding

SOURCES_ALL = ("subject", "body", "thread")


def _wordish(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "-'_")


def mask(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with the matches of ``pattern`` blanked out (offsets kept, so evidence can
    still be cut from the original)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def snippet(text: str, start: int, end: int, pad: int = 12) -> str:
    """The matched text with a little context, on one line, for the owner to read.

    The context never cuts a Latin word in half ("Monitor purch"): a partial word at
    either edge is dropped (Japanese has no spaces, so it is cut by characters).
    """
    s = max(0, start - pad)
    e = min(len(text), end + pad)
    if s < start and s > 0 and _wordish(text[s - 1]) and _wordish(text[s]):
        while s < start and _wordish(text[s]):
            s += 1
    if e > end and e < len(text) and _wordish(text[e - 1]) and _wordish(text[e]):
        while e > end and _wordish(text[e - 1]):
            e -= 1
    return " ".join(text[s:e].split())


def first_match(
    view: View, pattern: re.Pattern[str], sources: Iterable[str] = SOURCES_ALL
) -> tuple[re.Match[str], str, str] | None:
    """(match, part text, source) of the first match, searching parts in order."""
    wanted = set(sources)
    for part in view.parts:
        if part.source not in wanted:
            continue
        m = pattern.search(part.text)
        if m:
            return m, part.text, part.source
    return None


def found(slot: str, evidence: str, source: str) -> SlotFinding:
    return SlotFinding(slot=slot, found=True, evidence=evidence.strip()[:160], source=source)


def missing(slot: str, evidence: str = "") -> SlotFinding:
    return SlotFinding(slot=slot, found=False, evidence=evidence.strip()[:160], source="")


def match_finding(
    slot: str, view: View, pattern: re.Pattern[str], sources: Iterable[str] = SOURCES_ALL
) -> SlotFinding | None:
    """A found SlotFinding for the first match of ``pattern``, or None."""
    hit = first_match(view, pattern, sources)
    if hit is None:
        return None
    m, text, source = hit
    return found(slot, snippet(text, m.start(), m.end()), source)


def attachment_finding(slot: str, view: View, kinds_wanted: tuple[str, ...]) -> SlotFinding | None:
    """Found through an attached document of one of the given kinds."""
    from triage.context.attachments import first_of

    f = first_of(view.attachments, kinds_wanted)
    return found(slot, f, "attachment") if f else None
