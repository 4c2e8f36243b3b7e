"""Walk a parsed MIME tree: readable text, attachments, embedded and bounced messages.

Each part is handled on its own and a failure in one part is recorded as a defect, so
one broken attachment never costs us the text of the mail. Header parameters are read
from the raw header values (through a compat32 view), because the stdlib's header
objects decode RFC 2231 ISO-2022-JP file names with U+FFFD and raise on some
malformed parameters.
"""

from __future__ import annotations

import email.message
import logging
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser

from triage.parsing.charsets import decode_bytes
from triage.parsing.headers import decode_header, parse_msgid, raw_to_bytes
from triage.parsing.htmltext import html_to_text
from triage.parsing.transfer import decode_transfer
from triage.records import Attachment

__all__ = ["Body", "content_type", "extract", "raw_header", "raw_headers"]

log = logging.getLogger(__name__)

_MAX_DEPTH = 25
_SIGNATURE_TYPES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
        "application/pgp-keys",
    }
)
_BODY_SUBTYPES = frozenset({"plain", "html", "enriched", "richtext", "x-html"})


@dataclass
class Body:
    """What the walk found; filled in place while walking."""

    texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    embedded_ids: list[str] = field(default_factory=list)
    embedded_texts: list[str] = field(default_factory=list)
    failed_recipients: list[str] = field(default_factory=list)
    charsets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    want_text: bool = True  # False: collect attachments and IDs only (unused alternatives)

    def merge_meta(self, other: Body) -> None:
        """Take everything but the text from another walk."""
        for att in other.attachments:
            if att not in self.attachments:
                self.attachments.append(att)
        self.embedded_ids.extend(other.embedded_ids)
        self.embedded_texts.extend(other.embedded_texts)
        self.failed_recipients.extend(other.failed_recipients)
        self.charsets.extend(other.charsets)
        self.notes.extend(other.notes)


def raw_headers(part: Message, name: str) -> list[str]:
    """Every raw value of a header (as parsed, 8-bit bytes as surrogate escapes)."""
    lname = name.lower()
    return [str(v) for k, v in part.raw_items() if k.strip().lower() == lname]


def raw_header(part: Message, name: str) -> str | None:
    values = raw_headers(part, name)
    return values[0] if values else None


def _compat_view(part: Message) -> Message:
    """A compat32 Message holding just the MIME headers, for parameter parsing."""
    view = email.message.Message()
    for key in ("Content-Type", "Content-Disposition"):
        value = raw_header(part, key)
        if value is not None:
            view[key] = value.replace("\r", "").replace("\n", "")
    return view


def _param(view: Message, name: str, header: str, hint: str | None) -> str | None:
    """A decoded MIME parameter (RFC 2231 with its charset, RFC 2047 words, 8-bit)."""
    value = view.get_param(name, None, header=header)
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _lang, text = value
        data = text.encode("latin-1", "surrogateescape") if text else b""
        decoded, _note = decode_bytes(data, charset or hint or "utf-8")
        return decoded
    decoded, _notes = decode_header(str(value), hint)
    return decoded


def _content_type(part: Message, view: Message) -> str:
    if view.get("content-type") is None:
        return part.get_default_type()
    ctype = view.get_content_type()
    return ctype if re.fullmatch(r"[\w.+-]+/[\w.+-]+", ctype) else "application/octet-stream"


def content_type(part: Message) -> str:
    """Lower-case type/subtype of a part, read from its raw header."""
    return _content_type(part, _compat_view(part))


def _filename(view: Message, hint: str | None) -> str:
    name = _param(view, "filename", "content-disposition", hint) or _param(
        view, "name", "content-type", hint
    )
    if not name:
        return ""
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip('"')
    return re.split(r"[\\/]", name)[-1]


def _payload(part: Message, notes: list[str] | None = None) -> bytes:
    """Decoded bytes of a leaf part; tolerant of bad or unknown transfer encodings."""
    # get_payload() would decode 8-bit bytes with the declared charset and 'replace'
    # before we see them (Shift_JIS under a wrong label is lost that way); the parser's
    # own storage keeps them as surrogate escapes, i.e. the original bytes.
    payload = getattr(part, "_payload", None)
    if payload is None:
        payload = part.get_payload()
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        return b""
    data = raw_to_bytes(payload)
    cte = (raw_header(part, "content-transfer-encoding") or "").strip().lower()
    if not cte or cte in ("7bit", "8bit", "binary", "7-bit", "8-bit"):
        return data
    result, note = decode_transfer(data, cte)
    if note and notes is not None:
        notes.append(note)
    return result


def _charset(view: Message) -> str | None:
    value = view.get_param("charset", None)
    if isinstance(value, tuple):
        value = value[2]
    if value is None:
        return None
    return str(value).encode("ascii", "ignore").decode("ascii") or None


def _unnamed(ctype: str) -> str:
    ext = mimetypes.guess_extension(ctype) or ".bin"
    return "unnamed" + ext


def extract(part: Message, body: Body, depth: int = 0, *, root: bool = True) -> None:
    """Walk ``part`` and add what it holds to ``body``; never raises."""
    if depth > _MAX_DEPTH:
        body.notes.append("mime-too-deep")
        return
    try:
        _extract(part, body, depth, root)
    except RecursionError:
        body.notes.append("mime-too-deep")
    except Exception as exc:  # one broken part must not cost the rest of the mail
        log.debug("part failed: %r", exc)
        body.notes.append(f"part-error:{type(exc).__name__}")


def _extract(part: Message, body: Body, depth: int, root: bool) -> None:
    view = _compat_view(part)
    ctype = _content_type(part, view)
    hint = body.charsets[0] if body.charsets else None
    maintype, subtype = ctype.split("/", 1)
    disposition = (view.get_content_disposition() or "").lower()

    if maintype == "multipart" or part.is_multipart() and maintype != "message":
        children = part.get_payload()
        if not isinstance(children, list):
            # boundary missing or never found: the parser kept the body as one string;
            # read it as text rather than lose it
            body.notes.append("multipart-without-parts")
            if body.want_text:
                text, note = decode_bytes(_payload(part, body.notes), _charset(view) or hint)
                if note:
                    body.notes.append(note)
                if text.strip():
                    body.texts.append(text.replace("\r\n", "\n").strip("\n"))
            return
        if subtype == "alternative" and len(children) > 1:
            _alternative([c for c in children if isinstance(c, Message)], body, depth)
            return
        for child in children:
            if isinstance(child, Message):
                extract(child, body, depth + 1, root=False)
        return

    if ctype in ("message/rfc822", "message/global"):
        _embedded(part, view, body, depth, hint)
        return
    if ctype in ("text/rfc822-headers", "message/rfc822-headers"):
        _header_block(part, body)
        return
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        _delivery_status(part, body)
        return
    if ctype in _SIGNATURE_TYPES:
        return

    filename = _filename(view, hint)
    is_body_text = (
        maintype == "text"
        and subtype in _BODY_SUBTYPES
        and disposition != "attachment"
        and (not filename or not body.texts or root)
    )
    if is_body_text and not body.want_text:
        return
    data = _payload(part, body.notes)
    if is_body_text:
        charset = _charset(view)
        if charset:
            body.charsets.append(charset)
        text, note = decode_bytes(data, charset)
        if note:
            body.notes.append(note)
        if subtype in ("html", "x-html"):
            text, note = html_to_text(text)
            if note:
                body.notes.append(note)
        else:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text.strip():
            body.texts.append(text.strip("\n"))
        return

    if filename or disposition == "attachment" or maintype in ("application", "audio", "video"):
        body.attachments.append(Attachment(filename or _unnamed(ctype), ctype, len(data)))


def _alternative(children: list[Message], body: Body, depth: int) -> None:
    """Pick one rendering: plain text unless it is missing or a stub.

    Only the chosen rendering is decoded; the others are walked for attachments and
    IDs alone (converting unused HTML is the slowest thing a parser can do).
    """
    parts = [c for c in children if isinstance(c, Message)]
    kinds = [_content_type(c, _compat_view(c)) for c in parts]
    walks: list[Body | None] = [None] * len(parts)

    def walk(i: int, want_text: bool) -> Body:
        sub = Body(charsets=list(body.charsets), want_text=want_text)
        extract(parts[i], sub, depth + 1, root=False)
        sub.charsets = sub.charsets[len(body.charsets) :]
        walks[i] = sub
        return sub

    chosen: Body | None = None
    plain_i = next((i for i, k in enumerate(kinds) if k == "text/plain"), None)
    if plain_i is not None:
        chosen = walk(plain_i, True)
        plain_len = len("".join(chosen.texts).strip())
        if plain_len < 40:
            for i in reversed(range(len(parts))):
                if i != plain_i:
                    rich = walk(i, True)
                    if len("".join(rich.texts).strip()) > 4 * plain_len:
                        chosen = rich
                    break
    else:
        for i in reversed(range(len(parts))):
            sub = walk(i, True)
            if sub.texts:
                chosen = sub
                break
    if chosen is not None:
        body.texts.extend(chosen.texts)
    for i, done in enumerate(walks):
        body.merge_meta(done if done is not None else walk(i, False))


def _parse_bytes(data: bytes, headersonly: bool = False) -> Message:
    return BytesParser(policy=policy.default).parsebytes(data, headersonly=headersonly)


def _embedded(part: Message, view: Message, body: Body, depth: int, hint: str | None) -> None:
    """A forwarded or returned message: its ID, its text as context."""
    payload = part.get_payload()
    inner: Message | None = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
    else:
        data = _payload(part)
        if data.strip():
            inner = _parse_bytes(data)
    if inner is None:
        return
    msgid = parse_msgid(raw_header(inner, "message-id"))
    if msgid:
        body.embedded_ids.append(msgid)
    sub = Body(charsets=list(body.charsets))
    extract(inner, sub, depth + 1, root=True)
    lines = []
    for name in ("From", "Date", "Subject"):
        value, _notes = decode_header(raw_header(inner, name), hint)
        if value:
            lines.append(f"{name}: {value}")
    text = "\n".join(sub.texts).strip()
    block = "\n".join(["---------- Forwarded message ----------", *lines, "", text]).strip()
    body.embedded_texts.append(block)
    body.embedded_ids.extend(sub.embedded_ids)
    body.failed_recipients.extend(sub.failed_recipients)
    body.embedded_texts.extend(sub.embedded_texts)
    filename = _filename(view, hint)
    if filename:
        body.attachments.append(Attachment(filename, "message/rfc822", len(_raw_size(part))))


def _raw_size(part: Message) -> bytes:
    try:
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0].as_bytes()
        return _payload(part)
    except Exception:  # as_bytes re-serialises and can fail on odd headers
        return b""


def _header_block(part: Message, body: Body) -> None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        headers = payload[0]
    else:
        headers = _parse_bytes(_payload(part), headersonly=True)
    msgid = parse_msgid(raw_header(headers, "message-id"))
    if msgid:
        body.embedded_ids.append(msgid)


_FINAL_RECIPIENT = re.compile(
    r"^Final-Recipient:\s*(?:[\w-]+\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.I | re.M
)


def _delivery_status(part: Message, body: Body) -> None:
    """Final-Recipient of every failed recipient block (RFC 3464)."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        for block in payload:
            if not isinstance(block, Message):
                continue
            final = raw_header(block, "final-recipient")
            action = (raw_header(block, "action") or "failed").strip().lower()
            if final and action.startswith("failed"):
                addr = final.split(";", 1)[-1].strip().strip("<>").strip().lower()
                if "@" in addr:
                    body.failed_recipients.append(addr)
        return
    text = _payload(part).decode("utf-8", "replace")
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        verb = re.search(r"^Action:\s*(\S+)", block, re.I | re.M)
        if verb and not verb.group(1).lower().startswith("failed"):
            continue
        for match in _FINAL_RECIPIENT.finditer(block):
            body.failed_recipients.append(match.group(1).lower())
