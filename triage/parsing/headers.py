"""Header values as people wrote them: RFC 2047 words, 8-bit bytes, addresses, IDs, dates.

The stdlib's header objects decode most headers right, but they give U+FFFD for NEC
characters inside ISO-2022-JP encoded words, skip encoded words inside quotes, and
raise on some malformed values. So we read the raw value the parser kept (8-bit bytes
survive as surrogate escapes) and decode it here with the same charset logic as bodies.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
from datetime import UTC, datetime

from triage.parsing.charsets import decode_bytes

__all__ = [
    "decode_header",
    "parse_addresses",
    "parse_msgid",
    "parse_msgids",
    "parse_date",
    "raw_to_bytes",
]

_ENCODED_WORD = re.compile(r"=\?([^?\s\"]{1,60})\?([QqBb])\?([^?]*?)\?=", re.ASCII)
_SPACE_BETWEEN = re.compile(r"^[ \t\r\n]*$")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_SURROGATES = re.compile("[\udc80-\udcff]")
_ID_TOKEN = re.compile(r"<\s*([^<>\s]+?)\s*>|([^\s<>,;\"]+@[^\s<>,;\"]+)")
_COMMENTS = re.compile(r"\([^()]*\)")


def raw_to_bytes(value: str) -> bytes:
    """The original bytes of a raw header value (8-bit bytes are surrogate escapes)."""
    return value.encode("utf-8", "surrogateescape")


def _decode_8bit(value: str, hint: str | None, notes: list[str]) -> str:
    """Decode raw 8-bit header bytes (RFC 6532 UTF-8, or a legacy charset in the raw)."""
    if not _SURROGATES.search(value) and "\x1b" not in value:
        return value
    data = raw_to_bytes(value)
    text, note = decode_bytes(data, hint or None)
    if note or not hint:
        # UTF-8 is the standard (RFC 6532); anything else is worth recording
        if note and not note.endswith(":utf-8"):
            notes.append("header-8bit:" + note.split(":", 1)[1])
    return text


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "Qq":
        payload = payload.replace("_", " ")
        out = bytearray()
        i = 0
        while i < len(payload):
            ch = payload[i]
            if ch == "=" and re.fullmatch(r"[0-9A-Fa-f]{2}", payload[i + 1 : i + 3]):
                out.append(int(payload[i + 1 : i + 3], 16))
                i += 3
                continue
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
        return bytes(out)
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return base64.b64decode(cleaned[: len(cleaned) // 4 * 4] or b"")


def decode_header(value: str | None, hint: str | None = None) -> tuple[str, list[str]]:
    """Decode one raw header value to text; returns (text, notes).

    Encoded words are decoded wherever they stand (also inside quotes or glued to other
    text); adjacent words in the same charset are joined before decoding, so a
    multibyte character split across two words survives. ``hint`` is the charset to
    try for raw 8-bit bytes (usually the body's).
    """
    notes: list[str] = []
    if not value:
        return "", notes
    value = _FOLD.sub("", value)
    value = _decode_8bit(value, hint, notes)
    if "=?" not in value:
        return value.strip(), notes

    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            text, note = decode_bytes(b"".join(pending), pending_charset or "utf-8")
            if note:
                notes.append("header-" + note)
            pieces.append(text)
        pending, pending_charset = [], None

    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()
        if between and not (_SPACE_BETWEEN.match(between) and pending):
            flush()
            pieces.append(between)
        elif pending and charset != pending_charset:
            flush()
        try:
            data = _word_bytes(match.group(2), match.group(3))
        except Exception as exc:  # a broken word is kept as it was written
            notes.append(f"header-bad-encoded-word:{type(exc).__name__}")
            flush()
            pieces.append(match.group(0))
        else:
            pending.append(data)
            pending_charset = charset
        pos = match.end()
    flush()
    pieces.append(value[pos:])
    return "".join(pieces).strip(), notes


def parse_addresses(
    value: str | None, hint: str | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """(display name, lower-case addr-spec) pairs of an address header, and notes."""
    notes: list[str] = []
    if not value:
        return [], notes
    value = _decode_8bit(_FOLD.sub("", value), hint, notes)
    result: list[tuple[str, str]] = []
    try:
        pairs = email.utils.getaddresses([value])
    except Exception as exc:  # stdlib parser bugs on odd input: fall back to a regex
        notes.append(f"address-error:{type(exc).__name__}")
        pairs = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>").strip()
        if not addr and not name or addr and "@" not in addr and not name:
            continue
        decoded, more = decode_header(name, hint) if name else ("", [])
        notes.extend(more)
        result.append((decoded.strip().strip('"').strip(), addr.lower()))
    if not any(addr for _name, addr in result):
        for addr in re.findall(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", value):
            result.append(("", addr.lower()))
    return result, notes


def parse_msgid(value: str | None) -> str | None:
    """The first Message-ID in a header, in "<...>" form (None when there is none)."""
    ids = parse_msgids(value, first_only=True)
    return ids[0] if ids else None


def parse_msgids(value: str | None, *, first_only: bool = False) -> list[str]:
    """Message-IDs of a References/In-Reply-To header, each normalised to "<...>"."""
    if not value:
        return []
    value = _COMMENTS.sub(" ", _FOLD.sub(" ", value))
    # bracketed IDs, and bare tokens that look like IDs (clients that drop the brackets)
    found = [f"<{a or b}>" for a, b in _ID_TOKEN.findall(value)]
    return found[:1] if first_only else found


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware datetime, or None when the Date cannot be read."""
    if not value:
        return None
    value = " ".join(value.split())
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # "-0000": time in UTC, zone unknown
    if not 1970 <= parsed.year <= 2200:
        return None
    return parsed
