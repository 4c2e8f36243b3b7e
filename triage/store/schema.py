"""The database schema as SQLAlchemy 2 typed models (one class per table).

The Alembic revisions in ``triage/migrations/versions`` are written to match this module
exactly; ``tests/test_store_schema.py`` compares them after an upgrade. Change both
together: edit a model, then add a revision (``alembic -c triage/migrations/alembic.ini
revision --autogenerate -x url=sqlite:///tmp.db``) and review it.

Conventions:
- Every time is timezone-aware UTC (``UTCDateTime``); naive datetimes are refused, so a
  local clock can never slip in unnoticed. SQLite stores UTC text, PostgreSQL timestamptz.
- Mail addresses used as keys (requester, owner e-mail, outbox recipient, suppression) are
  stored stripped and lower-cased, so look-ups and rate limits compare like with like.
- JSON columns are replaced, not mutated in place: ``req.missing = [*req.missing, "x"]``
  (in-place changes to a list are not noticed by the session).
- ``Request.ref`` is filled in automatically right after the row is inserted (see the
  ``after_insert`` hook at the bottom); it is ``None`` only before the first flush.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
    true,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, validates
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

from triage.store.refs import format_ref

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "Correction",
    "Cursor",
    "Event",
    "MESSAGE_STATUSES",
    "Message",
    "MessageRef",
    "OUTBOX_STATUSES",
    "Outbox",
    "Owner",
    "REQUEST_STATUSES",
    "Request",
    "Suppression",
    "UTCDateTime",
    "utcnow",
]

# Stable constraint names: Alembic needs them to alter or drop constraints, and SQLite
# batch migrations need them to recreate tables.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MESSAGE_STATUSES = ("processed", "ignored", "quarantined", "duplicate", "merged")
REQUEST_STATUSES = (
    "received",
    "classified",
    "awaiting_clarification",
    "triage_queue",
    "assigned",
    "done",
    "quarantined",
    "ignored",
)
OUTBOX_STATUSES = ("pending", "sending", "sent", "held", "failed")

# Column widths. Message-IDs may be up to a header line long (RFC 5322: 998).
_ADDR = 320
_MSGID = 998
_CODE = 32
_NAME = 200
_MAILBOX = 255
_LANG = 16


def utcnow() -> datetime:
    """Now as an aware UTC datetime: the default for created/updated columns only."""
    return datetime.now(UTC)


def _norm_addr(value: str) -> str:
    return value.strip().lower()


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every engine; naive values are a bug and are refused.

    SQLite has no time zone type, so values are converted to UTC and stored without an
    offset (text sorts correctly), and the UTC zone is put back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON columns: None means SQL NULL (not the JSON literal null).
_JSON = JSON(none_as_null=True)


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention and the shared type map."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: _JSON, list[str]: _JSON}


class Owner(Base):
    """A person (or team address) requests are assigned to."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(_NAME))
    email: Mapped[str] = mapped_column(String(_ADDR), unique=True)
    team: Mapped[str] = mapped_column(String(_CODE))
    lang: Mapped[str] = mapped_column(String(_LANG), default="ja", server_default="ja")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("email")
    def _email(self, _key: str, value: str) -> str:
        return _norm_addr(value)


class Request(Base):
    """One piece of back-office work, from first mail to done."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_status", "status"),
        Index("ix_requests_owner_id", "owner_id"),
        Index("ix_requests_requester", "requester"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(_CODE), unique=True)
    status: Mapped[str] = mapped_column(String(_CODE), default="received")
    type: Mapped[str | None] = mapped_column(String(_CODE))
    urgency: Mapped[str | None] = mapped_column(String(_CODE))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    urgency_confidence: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(64))
    requester: Mapped[str] = mapped_column(String(_ADDR))
    requester_name: Mapped[str] = mapped_column(String(_NAME), default="")
    cc: Mapped[list[str]] = mapped_column(default=list)
    lang: Mapped[str] = mapped_column(String(_LANG), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    thread: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[str]] = mapped_column(default=list)
    sent_at: Mapped[datetime | None] = mapped_column()
    missing: Mapped[list[str]] = mapped_column(default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime | None] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))
    team: Mapped[str | None] = mapped_column(String(_CODE))
    clarification_rounds: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0")
    )
    last_clarification_at: Mapped[datetime | None] = mapped_column()
    reminder_sent_at: Mapped[datetime | None] = mapped_column()
    mailbox: Mapped[str] = mapped_column(String(_MAILBOX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @validates("requester")
    def _requester(self, _key: str, value: str) -> str:
        return _norm_addr(value)


class Message(Base):
    """One fetched IMAP message, kept with its exact bytes whatever became of it."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid"),
        Index("ix_messages_mailbox_message_id", "mailbox", "message_id"),
        Index("ix_messages_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(_MAILBOX))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(_MSGID))
    header_hash: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(_CODE))
    kind: Mapped[str] = mapped_column(String(_CODE), default="")
    reason: Mapped[str] = mapped_column(String(_NAME), default="")
    error: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    from_addr: Mapped[str] = mapped_column(String(_ADDR), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))


class Event(Base):
    """One step in a request's life; this table IS the assignment log.

    ``owner_id`` names the owner an ``assigned``/``reassigned`` event gave the request,
    so the log shows who had it at that time, not only who has it now.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_request_id_at", "request_id", "at"),
        Index("ix_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    message_row_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(_NAME), default="system")
    kind: Mapped[str] = mapped_column(String(_CODE))
    from_status: Mapped[str | None] = mapped_column(String(_CODE))
    to_status: Mapped[str | None] = mapped_column(String(_CODE))
    reason: Mapped[str | None] = mapped_column(Text)
    model_version: Mapped[str | None] = mapped_column(String(64))
    confidences: Mapped[dict[str, Any] | None] = mapped_column()
    data: Mapped[dict[str, Any] | None] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))


class Outbox(Base):
    """A mail waiting for (or done with) the SMTP server; see ``outbox_queue``."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_to_addr_created_at", "to_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    kind: Mapped[str] = mapped_column(String(_CODE))
    to_addr: Mapped[str] = mapped_column(String(_ADDR))
    subject: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(_MSGID), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(_CODE), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(_NAME))
    claimed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    @validates("to_addr")
    def _to_addr(self, _key: str, value: str) -> str:
        return _norm_addr(value)


class MessageRef(Base):
    """A Message-ID known to belong to a request, in or out: threading looks here."""

    __tablename__ = "message_refs"
    __table_args__ = (
        Index("ix_message_refs_message_id", "message_id"),
        Index("ix_message_refs_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(_MSGID))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    direction: Mapped[str] = mapped_column(String(3))
    mailbox: Mapped[str | None] = mapped_column(String(_MAILBOX))


class Cursor(Base):
    """How far a mailbox has been read: the truth a restart resumes from."""

    __tablename__ = "cursors"

    mailbox: Mapped[str] = mapped_column(String(_MAILBOX), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Suppression(Base):
    """An address that gets no automatic mail (bounced, complained) until a time."""

    __tablename__ = "suppressions"

    address: Mapped[str] = mapped_column(String(_ADDR), primary_key=True)
    reason: Mapped[str] = mapped_column(String(_NAME), default="")
    until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("address")
    def _address(self, _key: str, value: str) -> str:
        return _norm_addr(value)


class Correction(Base):
    """A supervisor's relabel or reassignment, kept as a training record."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_request_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(_NAME))
    type: Mapped[str] = mapped_column(String(_CODE))
    urgency: Mapped[str] = mapped_column(String(_CODE))
    lang: Mapped[str] = mapped_column(String(_LANG), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[str]] = mapped_column(default=list)
    sent_at: Mapped[datetime | None] = mapped_column()


@event.listens_for(Request, "after_insert")
def _assign_ref(_mapper: Mapper[Request], connection: Connection, target: Request) -> None:
    """Give every new request its reference in the same flush that inserted it."""
    if target.ref is None:
        ref = format_ref(target.id)
        connection.execute(update(Request).where(Request.id == target.id).values(ref=ref))
        set_committed_value(target, "ref", ref)

