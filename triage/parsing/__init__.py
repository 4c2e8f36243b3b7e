"""Raw inbound mail to ParsedMessage: the only door from bytes into triage.

``parse`` uses the stdlib parser (policy.default, bytes in, so nothing is decoded as
UTF-8 before MIME parsing) for structure, and reads header values and part payloads
itself so that Japanese charsets, broken encoded words and bad parts are decoded or
recorded instead of raising. It raises only MessageError, and only when there is
nothing to work with; everything else becomes a ParsedMessage with ``defects``.
"""

from __future__ import annotations

import logging
import re
from email import policy
from email.message import Message
from email.parser import BytesParser

from triage.errors import MessageError
from triage.lang import detect
from triage.parsing.body import Body, content_type, extract, raw_header, raw_headers
from triage.parsing.headers import (
    decode_header,
    parse_addresses,
    parse_date,
    parse_msgid,
    parse_msgids,
)
from triage.parsing.quotes import find_refs, normalize_subject, split_quotes
from triage.records import ParsedMessage

__all__ = ["parse", "split_quotes", "normalize_subject", "find_refs"]

log = logging.getLogger(__name__)

# Header names that show the bytes are a mail (and not a body, a log or a binary).
_KNOWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "content-type",
        "reply-to",
        "sender",
        "delivered-to",
        "in-reply-to",
        "references",
        "x-mailer",
        "user-agent",
        "x-original-to",
        "envelope-to",
        "bcc",
        "content-transfer-encoding",
        "dkim-signature",
        "authentication-results",
        "x-failed-recipients",
        "auto-submitted",
        "precedence",
        "list-id",
    }
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_OBS_HEADER = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
_MBOX_FROM = re.compile(rb"^From [^\r\n]*\r?\n")
_MANY_PARTS = 500  # boundary-like lines above which the tree is built with compat32
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _prepare(raw: bytes) -> tuple[bytes, list[str]]:
    """Strip what sits in front of the headers (BOM, blank lines, an mbox From_ line)
    and repair obsolete "Name :" header syntax (RFC 5322 §4.5), which the stdlib parser
    would otherwise read as the start of the body."""
    notes: list[str] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, notes = raw[3:], ["bom"]
    raw = raw.lstrip(b"\r\n")
    match = _MBOX_FROM.match(raw)
    if match and not _HEADER_LINE.match(raw):
        raw = raw[match.end() :]
        notes.append("mbox-from-line")
    end = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    if _OBS_HEADER.search(head):
        head = _OBS_HEADER.sub(rb"\1:", head)
        notes.append("obsolete-header-syntax")
        raw = head + rest
    return raw, notes


def _check_usable(raw: bytes) -> None:
    if not raw.strip():
        raise MessageError("empty", "no bytes")
    if raw.startswith(_OLE_MAGIC):
        raise MessageError("not-a-message", "Outlook .msg (OLE) file, not RFC 822")
    head = raw[:4096]
    if head.count(b"\x00") > 16:
        raise MessageError("not-a-message", "binary data")


def _defect_names(msg: Message) -> list[str]:
    names: list[str] = []
    stack = [msg]
    seen = 0
    while stack and seen < 2000:
        part = stack.pop()
        seen += 1
        names.extend(type(d).__name__ for d in getattr(part, "defects", ()))
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return names


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _parse_tree(raw: bytes, notes: list[str]) -> Message:
    """The MIME tree. policy.default parses every part's Content-Type through its header
    registry, which costs seconds on mail with thousands of parts (a cheap way to stall
    the daemon); there compat32 builds the same tree ten times faster, and we read raw
    header values either way."""
    if raw.count(b"\n--") > _MANY_PARTS:
        notes.append("parser:compat32-many-parts")
        return BytesParser(policy=policy.compat32).parsebytes(raw)
    try:
        return BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the stdlib parser rarely raises; then try the old policy
        log.debug("policy.default parse failed: %r", exc)
        try:
            return BytesParser(policy=policy.compat32).parsebytes(raw)
        except Exception as exc2:
            raise MessageError("not-a-message", f"MIME parser failed: {exc2!r}") from exc2


def parse(raw: bytes) -> ParsedMessage:
    """Parse one raw RFC 822 / MIME message.

    Raises MessageError("empty" | "not-a-message" | "no-headers") when the bytes hold
    no mail; never anything else.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise MessageError("not-a-message", f"expected bytes, got {type(raw).__name__}")
    try:
        return _parse(bytes(raw))
    except MessageError:
        raise
    except RecursionError as exc:
        raise MessageError("not-a-message", "MIME structure too deep") from exc
    except Exception as exc:  # last line of defence: quarantine, never crash the daemon
        log.warning("parse failed unexpectedly: %r", exc)
        raise MessageError("parse-error", repr(exc)[:300]) from exc


def _parse(raw: bytes) -> ParsedMessage:
    raw, prep_notes = _prepare(raw)
    _check_usable(raw)
    msg = _parse_tree(raw, prep_notes)
    names = [k.strip().lower() for k, _v in msg.raw_items()]
    if not names or not _KNOWN_HEADERS.intersection(names):
        raise MessageError("no-headers", "no mail header found before the body")

    body = Body()
    extract(msg, body)
    hint = body.charsets[0] if body.charsets else None
    notes: list[str] = prep_notes + _defect_names(msg)
    notes.extend(body.notes)

    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        try:
            decoded, more = decode_header(str(value), hint)
        except Exception as exc:  # keep the header undecoded rather than lose the mail
            decoded, more = str(value), [f"header-error:{type(exc).__name__}"]
        notes.extend(more)
        headers.setdefault(name.strip().lower(), []).append(decoded)

    subject, more = decode_header(raw_header(msg, "subject"), hint)
    notes.extend(more)
    senders, more = parse_addresses(raw_header(msg, "from"), hint)
    notes.extend(more)
    if not senders:
        senders, more = parse_addresses(raw_header(msg, "sender"), hint)
        notes.extend(more)

    sender = next((pair for pair in senders if pair[1]), senders[0] if senders else ("", ""))

    def addresses(name: str) -> tuple[str, ...]:
        found: list[str] = []
        for value in raw_headers(msg, name):
            pairs, extra = parse_addresses(value, hint)
            notes.extend(extra)
            found.extend(addr for _n, addr in pairs)
        return _unique(found)

    date = parse_date(raw_header(msg, "date"))
    if raw_header(msg, "date") and date is None:
        notes.append("bad-date")

    failed = list(body.failed_recipients)
    for value in raw_headers(msg, "x-failed-recipients"):
        failed.extend(a for _n, a in parse_addresses(value)[0])

    text = "\n\n".join(body.texts)
    new_text, quoted_text, signature = split_quotes(text)
    if body.embedded_texts:
        quoted_text = "\n\n".join(t for t in [quoted_text, *body.embedded_texts] if t)
    if not text.strip() and not body.attachments and not body.embedded_texts:
        notes.append("no-body")

    root_type = content_type(msg)

    return ParsedMessage(
        message_id=parse_msgid(raw_header(msg, "message-id")),
        subject=" ".join(subject.split()),
        from_addr=sender[1],
        from_name=sender[0],
        to=addresses("to"),
        cc=addresses("cc"),
        reply_to=addresses("reply-to"),
        date=date,
        in_reply_to=parse_msgid(raw_header(msg, "in-reply-to")),
        references=tuple(parse_msgids(" ".join(raw_headers(msg, "references")))),
        headers={k: tuple(v) for k, v in headers.items()},
        content_type=root_type,
        text=text,
        new_text=new_text,
        quoted_text=quoted_text,
        signature=signature,
        attachments=tuple(body.attachments),
        embedded_message_ids=_unique(body.embedded_ids),
        failed_recipients=_unique(failed),
        defects=_unique(notes),
        lang=detect(subject + "\n" + (new_text or text)),
    )
