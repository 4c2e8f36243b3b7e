"""Content-Transfer-Encoding decoding that survives what mailers actually send.

The stdlib decodes base64/quoted-printable/uuencode too, but silently passes through
unknown encodings and mangles text that merely claims to be base64. Here each oddity
is decoded as well as possible and named, so the parser can record it as a defect.
"""

from __future__ import annotations

import binascii
import re

__all__ = ["decode_transfer"]

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/=\s]")


def _base64(data: bytes) -> tuple[bytes, str | None]:
    stripped = data.strip()
    if not stripped:
        return b"", None
    junk = len(_B64_CHARS.sub(b"", stripped[:4096]))
    lines = [ln.strip() for ln in stripped[:4096].splitlines() if ln.strip()]
    spaced = sum(1 for ln in lines if re.search(rb"\s", ln))
    if junk > 0.1 * min(len(stripped), 4096) or spaced > len(lines) / 2:
        return data, "bad-base64:not-base64"  # plain text that claims to be base64
    cleaned = _B64_JUNK.sub(b"", stripped)
    body = cleaned.rstrip(b"=").replace(b"=", b"")
    note = None
    if len(body) % 4 == 1:  # one stray character cannot carry a byte
        body, note = body[:-1], "bad-base64:truncated"
    body += b"=" * (-len(body) % 4)
    try:
        return binascii.a2b_base64(body), note
    except (binascii.Error, ValueError):
        return data, "bad-base64:undecodable"


def _uuencode(data: bytes) -> tuple[bytes, str | None]:
    out = bytearray()
    note = None
    for line in data.splitlines():
        if not line.strip() or line.startswith((b"begin ", b"end")):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            try:  # some encoders write a too-long last line
                nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                out += binascii.a2b_uu(line[:nbytes])
            except (binascii.Error, IndexError):
                note = "bad-uuencode"
    return bytes(out), note


def decode_transfer(data: bytes, cte: str) -> tuple[bytes, str | None]:
    """Decode ``data`` per its Content-Transfer-Encoding; returns (bytes, note or None)."""
    cte = cte.strip().strip("\"'").lower()
    if cte in ("", "7bit", "8bit", "binary", "7-bit", "8-bit"):
        return data, None
    if cte == "base64":
        return _base64(data)
    if cte in ("quoted-printable", "quoted_printable", "qp"):
        return binascii.a2b_qp(data), None
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _uuencode(data)
    return data, f"bad-transfer-encoding:{cte[:30]}"
