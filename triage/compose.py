"""Composing the mails triage sends, with the headers MAIL_CONVENTIONS.md section 2 asks for.

Pure: a RequestView in, an OutgoingMail out. Rendering to bytes happens here too, so that
the outbox stores exactly what will be sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from triage.taxonomy import TYPE_NAMES_EN, TYPE_NAMES_JA

_ENV = Environment(loader=PackageLoader("triage", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)

QUESTIONS: dict[str, dict[str, str]] = {
    "reason": {"ja": "この依頼の理由・背景（なぜ必要か）を教えてください。",
               "en": "Why is this needed? Please give the background or purpose."},
    "customer": {"ja": "対象の顧客名（取引先名）を教えてください。",
                 "en": "Which customer or account does this concern?"},
    "counterparty": {"ja": "契約・案件の相手方（会社名）を教えてください。",
                     "en": "Who is the other party to the contract or matter?"},
    "deadline": {"ja": "いつまでに必要ですか（希望期限）。",
                 "en": "By when do you need this?"},
    "amount": {"ja": "金額を教えてください。", "en": "How much money is involved?"},
    "item": {"ja": "対象の品名・対象物を具体的に教えてください。",
             "en": "What exactly is to be bought, fixed or supplied?"},
    "quantity": {"ja": "数量を教えてください。", "en": "How many are needed?"},
    "date": {"ja": "対象の日付（発生日・対象日）を教えてください。",
             "en": "On what date did it happen, or will it happen?"},
    "person": {"ja": "対象となる社員の氏名を教えてください。",
               "en": "Which employee does this concern (full name)?"},
    "system": {"ja": "対象のシステム・アカウント・機器名を教えてください。",
               "en": "Which system, account or device is affected?"},
    "symptom": {"ja": "どのような症状・エラーが出ていますか（エラーメッセージがあればそのまま）。",
                "en": "What exactly happens? Please quote the error message if there is one."},
    "attachment": {"ja": "本文で触れられている書類が添付されていません。添付して返信してください。",
                   "en": "The document you mention is not attached. "
                         "Please reply with it attached."},
}


@dataclass(frozen=True)
class RequestView:
    """What a mail about one request may show."""

    ref: str
    subject: str
    body: str
    requester: str
    requester_name: str
    lang: str
    type: str | None = None
    urgency: str | None = None
    due: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    missing: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    thread: str = ""
    reason: str = ""
    sender_message_id: str | None = None
    sender_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutgoingMail:
    kind: str  # ack | clarify | reminder | owner_notice | alert
    to: str
    subject: str
    body: str
    message_id: str
    auto_submitted: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    extra_headers: dict[str, str] = field(default_factory=dict)

    def render(self, *, from_addr: str, from_name: str, loop_id: str, now: datetime) -> bytes:
        """RFC 5322 bytes with the loop-prevention headers."""
        msg = EmailMessage()
        msg["From"] = Address(display_name=from_name, addr_spec=from_addr)
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = self.message_id
        if self.in_reply_to:
            msg["In-Reply-To"] = self.in_reply_to
        if self.references:
            msg["References"] = " ".join(self.references)
        msg["Auto-Submitted"] = self.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
        msg["Precedence"] = "bulk"
        msg["X-Triage-Loop"] = loop_id
        for k, v in self.extra_headers.items():
            msg[k] = v
        msg.set_content(self.body, charset="utf-8")
        return msg.as_bytes(policy=SMTP)


def _type_name(type_: str | None, lang: str) -> str:
    names = TYPE_NAMES_JA if lang == "ja" else TYPE_NAMES_EN
    return names.get(type_ or "other", type_ or "")


def _quote(text: str, limit: int = 1500) -> str:
    text = text.strip()
    if len(text) > limit:
        text = text[:limit] + " …"
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def _reply_subject(view: RequestView) -> str:
    tag = f"[{view.ref}]"
    subject = view.subject.strip() or ("ご依頼" if view.lang == "ja" else "your request")
    if tag in subject:
        return subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return f"Re: {tag} {subject}"


def _threading(view: RequestView) -> tuple[str | None, tuple[str, ...]]:
    refs = tuple(view.sender_references)
    if view.sender_message_id:
        refs = (*refs, view.sender_message_id)
    return view.sender_message_id, refs[-20:]


def questions(missing: tuple[str, ...], lang: str) -> list[str]:
    key = "ja" if lang == "ja" else "en"
    return [QUESTIONS[s][key] for s in missing if s in QUESTIONS]


def acknowledgement(view: RequestView, message_id: str) -> OutgoingMail:
    lang = "ja" if view.lang == "ja" else "en"
    body = _ENV.get_template(f"ack_{lang}.j2").render(
        ref=view.ref, requester_name=view.requester_name, type_name=_type_name(view.type, lang),
        owner_name=view.owner_name or "-", due=view.due)
    irt, refs = _threading(view)
    return OutgoingMail("ack", view.requester, _reply_subject(view), body, message_id,
                        "auto-replied", irt, refs)


def clarification(view: RequestView, message_id: str) -> OutgoingMail:
    """One mail listing every missing detail as a numbered question, quoting the request."""
    lang = "ja" if view.lang == "ja" else "en"
    body = _ENV.get_template(f"clarify_{lang}.j2").render(
        ref=view.ref, requester_name=view.requester_name, type_name=_type_name(view.type, lang),
        questions=questions(view.missing, lang), subject=view.subject, quoted=_quote(view.body))
    irt, refs = _threading(view)
    return OutgoingMail("clarify", view.requester, _reply_subject(view), body, message_id,
                        "auto-replied", irt, refs)


def reminder(view: RequestView, message_id: str) -> OutgoingMail:
    lang = "ja" if view.lang == "ja" else "en"
    body = _ENV.get_template(f"reminder_{lang}.j2").render(
        ref=view.ref, requester_name=view.requester_name, questions=questions(view.missing, lang))
    irt, refs = _threading(view)
    return OutgoingMail("reminder", view.requester, _reply_subject(view), body, message_id,
                        "auto-replied", irt, refs)


def owner_notice(view: RequestView, message_id: str, *, owner_lang: str,
                 to: str | None = None) -> OutgoingMail:
    """The notice to an owner (or to the triage-queue owner) about one request."""
    body = _ENV.get_template("owner_notice.j2").render(
        owner_name=view.owner_name or "", lang=owner_lang, ref=view.ref,
        type_name=_type_name(view.type, owner_lang), urgency=view.urgency or "-",
        due=view.due, requester=view.requester, requester_name=view.requester_name,
        subject=view.subject, reason=view.reason or "-", attachments=list(view.attachments),
        body=view.body.strip(), thread=view.thread.strip())
    prefix = f"[{view.ref}]"
    urgency = f"[{view.urgency}] " if view.urgency in ("urgent", "high") else ""
    subject = f"{prefix} {urgency}{view.subject.strip()}"
    return OutgoingMail("owner_notice", to or view.owner_email or "", subject, body, message_id,
                        "auto-generated", None, ())


def alert(to: str, subject: str, body: str, message_id: str) -> OutgoingMail:
    return OutgoingMail("alert", to, subject, body, message_id, "auto-generated")
