"""One request split into the parts a detector searches, normalised once.

Detectors need to know where a detail came from (TAXONOMY: subject, body, quoted or
forwarded mail and attachments all count) and must not take the sender's own signature
for a customer or a person. So the body is cut into what the sender wrote now, the
quoted/forwarded history (``thread``) and the signature, once per request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from triage.deadlines import normalise
from triage.records import RequestText

_QUOTE_START = re.compile(
    r"^(?:-{2,}\s*(?:Original Message|Forwarded message|転送されたメッセージ|元のメッセージ)|"
    r"-{5,}\s*$|_{5,}\s*$|"
    r"(?:From|差出人|送信者|Von|De)\s*[:：].+|"
    r"On .{5,80} wrote:\s*$|"
    r"\d{4}[/年-]\d{1,2}[/月-]\d{1,2}.{0,40}(?:wrote|書きました|のメッセージ)[:：]?\s*$|"
    r"Begin forwarded message:|"
    r">)",
    re.MULTILINE,
)
_CLOSING = re.compile(
    r"^\s*(?:よろしくお願い(?:いた)?します|よろしくお願い申し上げます|宜しくお願い(?:いた)?します|"
    r"以上(?:、)?(?:よろしくお願いします)?です?|"
    r"(?:Best|Kind|Warm)?\s*regards|Best|Thanks(?: a lot| in advance)?|Thank you(?: very much)?|"
    r"Many thanks|Cheers|Sincerely|BR|Rgds)[,.!。、\s]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIG_RULE = re.compile(r"^\s*(?:--|—{2,}|={4,}|-{4,}|_{4,})\s*$", re.MULTILINE)
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class Part:
    source: str  # subject | body | thread | attachment | sender
    text: str


@dataclass
class View:
    """The normalised parts of one request, for detectors to search in order."""

    rt: RequestText
    lang: str
    subject: str
    body: str  # what the sender wrote now, without the signature
    thread: str  # quoted / forwarded earlier mail
    signature: str
    attachments: tuple[str, ...]
    cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def parts(self) -> tuple[Part, ...]:
        """Subject, new body, thread: the places a stated detail can be."""
        out = [Part("subject", self.subject), Part("body", self.body)]
        if self.thread:
            out.append(Part("thread", self.thread))
        return tuple(out)

    @cached_property
    def text(self) -> str:
        """Subject, body and thread joined (no signature): for whole-message cues."""
        return "\n".join(p.text for p in self.parts)

    @cached_property
    def own_text(self) -> str:
        """Subject and new body: what the sender says now."""
        return f"{self.subject}\n{self.body}"


def split_body(body: str) -> tuple[str, str, str]:
    """(new text, signature, quoted thread) of a plain-text body."""
    m = _QUOTE_START.search(body)
    new, thread = (body[: m.start()], body[m.start() :]) if m else (body, "")
    sig = ""
    closing = None
    for c in _CLOSING.finditer(new):
        closing = c
    rule = None
    for r in _SIG_RULE.finditer(new):
        rule = r
    cut = None
    if closing is not None and len(new) - closing.end() < 400:
        cut = closing.end()
    if rule is not None and (cut is None or rule.start() < cut) and len(new) - rule.start() < 400:
        cut = rule.start()
    if cut is not None:
        new, sig = new[:cut], new[cut:]
    else:
        new, sig = _trailing_signature(new)
    return new, sig, thread


_SENTENCE = re.compile(
    r"[。？?！!、]|(?:ます|です|ください|ません|した)\s*$|[.!?]\s*$|^\s*(?:[・•*]|-\s|\d+[.)])|[×:：]\s*\d"
)
_SIG_LINE = re.compile(r"^\s*(?:-\s*)?[^\s].{0,39}$")


def _trailing_signature(text: str) -> tuple[str, str]:
    """Short name/department lines closing a mail that has no closing formula."""
    lines = text.rstrip().split("\n")
    i = len(lines)
    taken = 0
    while i > 1 and taken < 4:
        line = lines[i - 1]
        if not line.strip():
            i -= 1
            continue
        if _SENTENCE.search(line) or not _SIG_LINE.match(line):
            break
        i -= 1
        taken += 1
    if taken == 0:
        return text, ""
    return "\n".join(lines[:i]), "\n".join(lines[i:])


_HEADER_LINE = re.compile(
    r"^[>\s]*(?:(?:From|Sent|Date|To|Cc|Subject|差出人|送信者|送信日時|日付|日時|宛先|件名|Von|Gesendet|An|Betreff)\s*[:：].*|"
    r"On .{5,80} wrote:|-{2,}.*(?:Original Message|Forwarded message|転送|元のメッセージ).*)$",
    re.MULTILINE | re.IGNORECASE,
)


def build_view(rt: RequestText, lang: str | None = None) -> View:
    """Normalise and split a RequestText once for all detectors."""
    body = normalise(rt.body)
    new, sig, thread = split_body(body)
    if rt.thread:
        thread = f"{thread}\n{normalise(rt.thread)}".strip()
    thread = _HEADER_LINE.sub("", thread).strip()  # header dates are not the request's
    subject = normalise(rt.subject)
    if lang is None:
        lang = rt.lang or ("ja" if _CJK.search(subject + new) else "en")
    return View(
        rt=rt,
        lang=lang,
        subject=subject,
        body=new,
        thread=thread,
        signature=sig,
        attachments=tuple(normalise(a) for a in rt.attachments),
    )
