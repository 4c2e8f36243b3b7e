"""Domain operations on the store, used by the daemon and the CLI.

Every function takes an open Session (one transaction, from Store.transaction()) so that
the caller decides what commits together: request, events, outbox rows and the IMAP
cursor for one message commit as one unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.refs import format_ref
from triage.store.schema import (
    Correction,
    Cursor,
    Event,
    Message,
    MessageRef,
    Outbox,
    Owner,
    Request,
    Suppression,
)

OPEN_STATUSES = ("assigned",)




def message_seen(s: Session, mailbox: str, uidvalidity: int, uid: int) -> bool:
    q = select(Message.id).where(Message.mailbox == mailbox, Message.uidvalidity == uidvalidity,
                                 Message.uid == uid)
    return s.execute(q).first() is not None


def message_id_seen(s: Session, mailbox: str, message_id: str) -> Message | None:
    q = select(Message).where(Message.mailbox == mailbox, Message.message_id == message_id)
    return s.execute(q.limit(1)).scalars().first()


def add_message(s: Session, **fields: Any) -> Message:
    row = Message(**fields)
    s.add(row)
    s.flush()
    return row


def request_for_message_id(s: Session, message_id: str) -> int | None:
    q = select(MessageRef.request_id).where(MessageRef.message_id == message_id)
    return s.execute(q.limit(1)).scalars().first()


def add_ref(s: Session, message_id: str | None, request_id: int, direction: str,
            mailbox: str | None = None) -> None:
    if message_id:
        s.add(MessageRef(message_id=message_id, request_id=request_id, direction=direction,
                         mailbox=mailbox))


def get_request(s: Session, request_id: int) -> Request | None:
    return s.get(Request, request_id)


def get_request_by_ref(s: Session, ref: str) -> Request | None:
    return s.execute(select(Request).where(Request.ref == ref.upper())).scalars().first()


def create_request(s: Session, **fields: Any) -> Request:
    req = Request(**fields)
    s.add(req)
    s.flush()
    req.ref = format_ref(req.id)
    s.flush()
    return req


def add_event(s: Session, request: Request | None, kind: str, *, now: datetime,
              actor: str = "system", to_status: str | None = None, reason: str = "",
              model_version: str | None = None, confidences: dict[str, Any] | None = None,
              data: dict[str, Any] | None = None, message_row: Message | None = None,
              owner_id: int | None = None) -> Event:
    """Record one step; when to_status is given the request moves there in the same breath."""
    from_status = request.status if request is not None else None
    if request is not None and to_status is not None:
        request.status = to_status
        request.updated_at = now
    ev = Event(request_id=request.id if request is not None else None,
               message_row_id=message_row.id if message_row is not None else None,
               at=now, actor=actor, kind=kind, from_status=from_status,
               to_status=to_status if to_status is not None else from_status,
               reason=reason, model_version=model_version, confidences=confidences, data=data,
               owner_id=owner_id)
    s.add(ev)
    return ev


def sync_owners(s: Session, owners: Iterable[tuple[str, str, str, str]]) -> None:
    """Upsert (name, email, team, lang) from the config; owners no longer listed go inactive."""
    wanted = {email: (name, team, lang) for name, email, team, lang in owners}
    existing = {o.email: o for o in s.execute(select(Owner)).scalars()}
    for email, (name, team, lang) in wanted.items():
        o = existing.get(email)
        if o is None:
            s.add(Owner(name=name, email=email, team=team, lang=lang, active=True))
        else:
            o.name, o.team, o.lang, o.active = name, team, lang, True
    for email, o in existing.items():
        if email not in wanted:
            o.active = False
    s.flush()


def get_owner(s: Session, owner_id: int) -> Owner | None:
    return s.get(Owner, owner_id)


def has_event(s: Session, request_id: int, kind: str) -> bool:
    q = select(Event.id).where(Event.request_id == request_id, Event.kind == kind)
    return s.execute(q.limit(1)).first() is not None


def owner_by_email(s: Session, email: str) -> Owner | None:
    return s.execute(select(Owner).where(Owner.email == email.lower())).scalars().first()


def open_counts(s: Session) -> dict[str, int]:
    q = (select(Owner.email, func.count(Request.id))
         .join(Request, Request.owner_id == Owner.id)
         .where(Request.status.in_(OPEN_STATUSES))
         .group_by(Owner.email))
    return {email: n for email, n in s.execute(q)}


def enqueue(s: Session, *, kind: str, to_addr: str, subject: str, message_id: str, raw: bytes,
            request_id: int | None, now: datetime, status: str = "pending") -> Outbox:
    row = Outbox(kind=kind, to_addr=to_addr, subject=subject, message_id=message_id, raw=raw,
                 request_id=request_id, status=status, attempts=0, next_attempt_at=now,
                 created_at=now)
    s.add(row)
    s.flush()
    return row


def recent_count(s: Session, to_addr: str, since: datetime,
                 kinds: tuple[str, ...] = ("ack", "clarify", "reminder")) -> int:
    q = select(func.count(Outbox.id)).where(Outbox.to_addr == to_addr,
                                            Outbox.created_at >= since,
                                            Outbox.kind.in_(kinds),
                                            Outbox.status != "held")
    return int(s.execute(q).scalar_one())


def is_suppressed(s: Session, address: str, now: datetime) -> bool:
    row = s.get(Suppression, address.lower())
    return row is not None and _aware(row.until) > now


def suppress(s: Session, address: str, reason: str, until: datetime, now: datetime) -> None:
    row = s.get(Suppression, address.lower())
    if row is None:
        s.add(Suppression(address=address.lower(), reason=reason, until=until, created_at=now))
    else:
        row.reason, row.until = reason, until


def outbox_recipients_for(s: Session, message_ids: Iterable[str]) -> list[Outbox]:
    ids = list(message_ids)
    if not ids:
        return []
    return list(s.execute(select(Outbox).where(Outbox.message_id.in_(ids))).scalars())


def get_cursor(s: Session, mailbox: str) -> Cursor | None:
    return s.get(Cursor, mailbox)


def set_cursor(s: Session, mailbox: str, uidvalidity: int, last_uid: int, now: datetime) -> None:
    row = s.get(Cursor, mailbox)
    if row is None:
        s.add(Cursor(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now))
    elif row.uidvalidity != uidvalidity or last_uid > row.last_uid:
        row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, last_uid, now


def awaiting_reminder(s: Session, before: datetime) -> list[Request]:
    q = select(Request).where(Request.status == "awaiting_clarification",
                              Request.last_clarification_at <= before)
    return list(s.execute(q).scalars())


def add_correction(s: Session, request: Request, *, actor: str, now: datetime, type_: str,
                   urgency: str) -> Correction:
    row = Correction(request_id=request.id, at=now, actor=actor, type=type_, urgency=urgency,
                     lang=request.lang, subject=request.subject, body=request.body,
                     attachments=list(request.attachments or []), sent_at=request.sent_at)
    s.add(row)
    return row


def corrections(s: Session) -> list[Correction]:
    return list(s.execute(select(Correction).order_by(Correction.id)).scalars())


def quarantined(s: Session) -> list[Message]:
    q = select(Message).where(Message.status == "quarantined").order_by(Message.id)
    return list(s.execute(q).scalars())


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
