"""Signed Message-IDs for the mail we send.

A reply's References carry our Message-ID; signing it (request id + HMAC) lets us match
the reply to its request even when the database row for the outgoing mail is gone or the
mail was sent by another instance, and lets the loop guard recognise our own mail
without a lookup (MAIL_CONVENTIONS.md sections 2 and 3).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_PATTERN = re.compile(r"<triage\.(\d+)\.([0-9a-f]{8})\.([0-9a-f]{16})@([^>]+)>")


def _sign(secret: str, request_id: int, nonce: str) -> str:
    msg = f"{request_id}.{nonce}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:16]


def make(secret: str, request_id: int, domain: str, nonce: str | None = None) -> str:
    """A new Message-ID naming its request, verifiable with the same secret."""
    nonce = nonce or secrets.token_hex(4)
    return f"<triage.{request_id}.{nonce}.{_sign(secret, request_id, nonce)}@{domain}>"


def verify(secret: str, message_id: str) -> int | None:
    """The request id a Message-ID of ours names, or None when it is not ours."""
    m = _PATTERN.fullmatch(message_id.strip())
    if not m:
        return None
    request_id, nonce, sig = int(m.group(1)), m.group(2), m.group(3)
    if hmac.compare_digest(sig, _sign(secret, request_id, nonce)):
        return request_id
    return None


def find_signed(secret: str, ids: list[str] | tuple[str, ...]) -> int | None:
    """The request named by the right-most of our signed ids among References."""
    for mid in reversed(ids):
        rid = verify(secret, mid)
        if rid is not None:
            return rid
    return None
