"""Matching an inbound mail to the request it continues (MAIL_CONVENTIONS.md section 3).

Pure: lookups against stored Message-IDs and references are passed in as callables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from triage import msgid
from triage.records import ParsedMessage

_REF = re.compile(r"\bREQ-(\d{6,})\b")


@dataclass(frozen=True)
class ThreadMatch:
    request_id: int
    via: str  # in-reply-to | references | signed-id | body-ref | subject-ref


@dataclass(frozen=True)
class RequestParties:
    """Who may continue a request by quoting its reference in a subject."""

    requester: str
    cc: tuple[str, ...] = ()


def find_refs(text: str) -> list[int]:
    return [int(m.group(1)) for m in _REF.finditer(text or "")]


def match(msg: ParsedMessage, *, secret: str,
          request_for_message_id: Callable[[str], int | None],
          parties: Callable[[int], RequestParties | None]) -> ThreadMatch | None:
    """The request this mail continues, or None for a new request."""
    if msg.in_reply_to:
        rid = request_for_message_id(msg.in_reply_to)
        if rid is not None:
            return ThreadMatch(rid, "in-reply-to")
    for ref in reversed(msg.references):
        rid = request_for_message_id(ref)
        if rid is not None:
            return ThreadMatch(rid, "references")
    signed = msgid.find_signed(secret, (*msg.references, *(filter(None, [msg.in_reply_to]))))
    if signed is not None and parties(signed) is not None:
        return ThreadMatch(signed, "signed-id")
    body_refs = find_refs(msg.text)
    for rid in reversed(body_refs):
        if parties(rid) is not None:
            return ThreadMatch(rid, "body-ref")
    sender = msg.from_addr.lower()
    for rid in reversed(find_refs(msg.subject)):
        p = parties(rid)
        if p is not None and (sender == p.requester.lower()
                              or sender in {c.lower() for c in p.cc}):
            return ThreadMatch(rid, "subject-ref")
    return None
