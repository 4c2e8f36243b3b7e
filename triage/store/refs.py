"""Request references ("REQ-000123"): the number staff quote back in replies.

Pure functions so the threading code can recognise a reference in a subject line without
touching the database. The number is the request's primary key.
"""

from __future__ import annotations

import re

PREFIX = "REQ-"
_WIDTH = 6
_REF_RE = re.compile(r"^\s*REQ-?(\d{1,12})\s*$", re.IGNORECASE)


def format_ref(request_id: int) -> str:
    """Return the reference for a request id: 123 -> "REQ-000123" (wider ids grow)."""
    if request_id < 1:
        raise ValueError(f"request id must be positive, got {request_id}")
    return f"{PREFIX}{request_id:0{_WIDTH}d}"


def parse_ref(text: str) -> int | None:
    """Return the request id in a reference ("REQ-000123", "req-123", "REQ123"), else None.

    Only a whole reference is accepted; finding one inside a subject is the caller's job.
    """
    match = _REF_RE.match(text)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None
