"""The outbox as a work queue: claim due mail, then record what SMTP said.

The sender works in three short transactions per batch, never holding a lock while it
talks to SMTP:

1. ``claim_due`` (rows pending and due -> ``sending``, stamped with worker and time);
2. send each mail outside any transaction;
3. ``mark_sent`` or ``mark_failed`` (back to ``pending`` after a capped, jittered backoff,
   or ``failed`` for good after ``max_attempts``, kept for an operator).

A crash between 1 and 3 leaves rows in ``sending``; ``release_stale`` puts them back.
That can send a mail twice (at least once, never lost); its Message-ID stays the same,
so receivers and our own threading see one mail.

On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so several senders take
disjoint rows without waiting on each other; on SQLite the write transaction
(BEGIN IMMEDIATE, see engine.py) already serialises claimers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from triage.store.schema import Outbox

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "JITTER",
    "backoff_delay",
    "claim_due",
    "count_recent",
    "mark_failed",
    "mark_held",
    "mark_sent",
    "release",
    "release_stale",
]

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
JITTER = 0.1  # each delay is spread +-10% so retries after an outage do not arrive together
_ERROR_LIMIT = 2000
# Statuses that count towards the per-recipient rate limit: mail that went or will go.
_COUNTED = ("pending", "sending", "sent")


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> timedelta:
    """Delay before retry number ``attempt`` (1-based): 30 s, 1 m, 2 m, ... capped at 30 min.

    ``rng`` returns a float in [0, 1); 0.5 gives the nominal delay. The cap holds after
    jitter too.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    exponent = min(attempt - 1, 20)  # 2**20 * 30 s is far past the cap already
    nominal = min(BACKOFF_BASE * (2**exponent), BACKOFF_CAP)
    factor = 1.0 + JITTER * (2.0 * rng() - 1.0)
    return min(nominal * factor, BACKOFF_CAP)


def claim_due(session: Session, now: datetime, limit: int, worker_id: str) -> list[Outbox]:
    """Move up to ``limit`` due pending mails to ``sending`` for this worker; return them.

    Oldest due first. Commit the transaction before sending so other workers see the claim.
    """
    stmt = (
        select(Outbox)
        .where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.status = "sending"
        row.claimed_by = worker_id
        row.claimed_at = now
    session.flush()
    return rows


def mark_sent(session: Session, row_id: int, now: datetime) -> bool:
    """Record that the SMTP server accepted the mail; False if the row is gone."""
    row = session.get(Outbox, row_id)
    if row is None:
        return False
    row.status = "sent"
    row.sent_at = now
    row.last_error = None
    row.claimed_by = None
    row.claimed_at = None
    session.flush()
    return True


def mark_failed(
    session: Session,
    row_id: int,
    now: datetime,
    error: str,
    max_attempts: int,
    *,
    rng: Callable[[], float] = random.random,
    permanent: bool = False,
) -> str | None:
    """Count a failed attempt: retry later with backoff, or give up after ``max_attempts``.

    ``permanent=True`` (a 5xx reply: the server will never take this mail) gives up now.
    Returns the row's new status (``pending`` or ``failed``), or None if the row is gone.
    A failed row is kept with its last error for an operator to resend or drop.
    """
    row = session.get(Outbox, row_id)
    if row is None:
        return None
    row.attempts += 1
    row.last_error = error[:_ERROR_LIMIT]
    row.claimed_by = None
    row.claimed_at = None
    if permanent or row.attempts >= max_attempts:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = now + backoff_delay(row.attempts, rng)
    session.flush()
    return row.status


def mark_held(session: Session, row_id: int, reason: str) -> bool:
    """Park a mail that must not go out now (suppressed address, rate limit)."""
    row = session.get(Outbox, row_id)
    if row is None:
        return False
    row.status = "held"
    row.last_error = reason[:_ERROR_LIMIT]
    row.claimed_by = None
    row.claimed_at = None
    session.flush()
    return True


def release(session: Session, row_ids: Iterable[int]) -> int:
    """Hand claimed rows back unsent and without counting an attempt (e.g. SMTP went away
    mid-batch). Only rows still in ``sending`` move; returns how many did."""
    ids = list(row_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.status == "sending")
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_stale(session: Session, now: datetime, older_than: timedelta) -> int:
    """Return rows stuck in ``sending`` (claimed before ``now - older_than``) to pending.

    Call it at start-up and now and then; ``older_than`` must exceed the longest SMTP
    send, or a live worker's mail is sent twice. Returns how many rows were released.
    """
    result = session.execute(
        update(Outbox)
        .where(Outbox.status == "sending", Outbox.claimed_at < now - older_than)
        .values(status="pending", claimed_by=None, claimed_at=None, next_attempt_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_recent(session: Session, to_addr: str, since: datetime) -> int:
    """How many mails to this address were queued or sent since ``since`` (rate limits)."""
    stmt = select(func.count(Outbox.id)).where(
        Outbox.to_addr == to_addr.strip().lower(),
        Outbox.created_at >= since,
        Outbox.status.in_(_COUNTED),
    )
    return int(session.scalar(stmt) or 0)
