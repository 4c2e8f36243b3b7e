"""Plain frozen records passed between the stages.

Every stage takes and returns these; none of them does I/O. Keeping them in one small
module lets parsing, classification, the context check and routing be tested without
servers, and gives the daemon one vocabulary to sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    """An attachment as the owner would see it: name, MIME type, size in bytes."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    """One inbound mail after MIME parsing and charset decoding.

    ``text`` is the whole readable body; ``new_text`` is what the sender wrote in this
    mail (quoted history and signature split off into ``quoted_text``/``signature``).
    ``headers`` maps lower-case header names to every value seen, decoded.
    """

    message_id: str | None
    subject: str
    from_addr: str
    from_name: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    date: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    content_type: str = "text/plain"
    text: str = ""
    new_text: str = ""
    quoted_text: str = ""
    signature: str = ""
    attachments: tuple[Attachment, ...] = ()
    embedded_message_ids: tuple[str, ...] = ()
    failed_recipients: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()
    lang: str = "en"

    def header(self, name: str) -> str | None:
        """First value of a header, or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass(frozen=True)
class RequestText:
    """What the classifier and the context check read: one request, parser-agnostic.

    Built from a ParsedMessage (daemon) or a labelled record (training, evaluation), so
    that training and production see text prepared the same way. ``thread`` holds text
    of earlier mails in the conversation (quoted history, an earlier request merged with
    a reply), which counts as context but is not what the sender asks now.
    """

    subject: str
    body: str
    attachments: tuple[str, ...] = ()
    sent_at: datetime | None = None
    lang: str = "en"
    thread: str = ""


@dataclass(frozen=True)
class LabelledRecord:
    """One line of a TAXONOMY-format JSON Lines file."""

    id: str
    lang: str
    subject: str
    body: str
    attachments: tuple[str, ...]
    sent_at: datetime | None
    type: str
    urgency: str
    missing: tuple[str, ...]

    @property
    def needs_clarification(self) -> bool:
        return bool(self.missing)


@dataclass(frozen=True)
class Prediction:
    """The model's judgement of one request, with calibrated confidences."""

    type: str
    type_confidence: float
    urgency: str
    urgency_confidence: float
    model_version: str
    type_scores: dict[str, float] = field(default_factory=dict)
    urgency_scores: dict[str, float] = field(default_factory=dict)
    confident: bool = True


@dataclass(frozen=True)
class SlotFinding:
    """One required slot: found or not, and the text that shows it."""

    slot: str
    found: bool
    evidence: str = ""
    source: str = ""  # subject | body | thread | attachment | sender


@dataclass(frozen=True)
class Deadline:
    """A deadline stated in the text, resolved against the mail's own Date."""

    text: str
    due: datetime
    business_days: int  # business days from the mail's date to the due date (0 = same day)


@dataclass(frozen=True)
class ContextResult:
    """The context check for one request and one type."""

    type: str
    findings: tuple[SlotFinding, ...]
    deadline: Deadline | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f.slot for f in self.findings if not f.found)

    @property
    def needs_clarification(self) -> bool:
        return bool(self.missing)


@dataclass(frozen=True)
class GuardVerdict:
    """Whether a mail is automated, and which rule said so."""

    automated: bool
    rule: str = ""
    detail: str = ""
    kind: str = "human"  # human | auto_reply | out_of_office | bounce | list | own | no_reply


@dataclass(frozen=True)
class Decision:
    """What to do with one request after classification and the context check."""

    action: str  # assign | clarify | triage_queue | ignore | quarantine
    reason: str
    owner: str | None = None
    team: str | None = None
    missing: tuple[str, ...] = ()
