"""Read-only views for supervisors: the assignment log and summary statistics.

Both return plain dicts/lists so the CLI (table, CSV, JSON) and the dashboard render them
without knowing the schema.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from triage.store.refs import parse_ref
from triage.store.schema import Event, Owner, Request

__all__ = ["LOG_COLUMNS", "log_rows", "stats"]

LOG_COLUMNS = (
    "at",
    "ref",
    "kind",
    "actor",
    "from_status",
    "to_status",
    "type",
    "urgency",
    "owner_name",
    "owner_email",
    "reason",
    "model_version",
    "confidences",
)


def _owner_filter(owner: str | int) -> ColumnElement[bool]:
    if isinstance(owner, int):
        return Owner.id == owner
    text = owner.strip()
    return or_(Owner.email == text.lower(), Owner.name == text)


def log_rows(
    session: Session,
    *,
    status: str | None = None,
    type: str | None = None,  # noqa: A002 - mirrors the CLI option and the column
    owner: str | int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    ref: str | int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The assignment log: one dict per event (keys ``LOG_COLUMNS``), oldest first.

    ``status`` and ``type`` match the request's current values; ``owner`` (name, e-mail
    or id) matches the owner an assignment event named, else the request's current owner;
    ``since`` is inclusive, ``until`` exclusive; ``ref`` is "REQ-000123" or an id.
    ``limit`` keeps the most recent rows. An unknown ref gives an empty list.
    """
    stmt = (
        select(
            Event.at,
            Request.ref,
            Event.kind,
            Event.actor,
            Event.from_status,
            Event.to_status,
            Request.type,
            Request.urgency,
            Owner.name,
            Owner.email,
            Event.reason,
            Event.model_version,
            Event.confidences,
        )
        .select_from(Event)
        .outerjoin(Request, Request.id == Event.request_id)
        .outerjoin(Owner, Owner.id == func.coalesce(Event.owner_id, Request.owner_id))
    )
    if status is not None:
        stmt = stmt.where(Request.status == status)
    if type is not None:
        stmt = stmt.where(Request.type == type)
    if owner is not None:
        stmt = stmt.where(_owner_filter(owner))
    if since is not None:
        stmt = stmt.where(Event.at >= since)
    if until is not None:
        stmt = stmt.where(Event.at < until)
    if ref is not None:
        request_id = ref if isinstance(ref, int) else parse_ref(ref)
        if request_id is None:
            return []
        stmt = stmt.where(Event.request_id == request_id)
    if limit is not None:
        stmt = stmt.order_by(Event.at.desc(), Event.id.desc()).limit(limit)
        rows = list(session.execute(stmt))[::-1]
    else:
        rows = list(session.execute(stmt.order_by(Event.at, Event.id)))
    return [dict(zip(LOG_COLUMNS, row, strict=True)) for row in rows]


def stats(session: Session, since: datetime | None = None) -> dict[str, Any]:
    """Counts of requests created since ``since`` by status, type and current owner, and
    the median seconds from creation to the first assignment.

    Keys: total, by_status, by_type (None type -> "(none)"), by_owner (e-mail ->
    count, unassigned left out), assigned (requests ever assigned),
    median_seconds_to_assignment (None when nothing was assigned).
    """
    created: list[ColumnElement[bool]] = []
    if since is not None:
        created.append(Request.created_at >= since)

    def counts(column: Any) -> dict[Any, int]:
        stmt = select(column, func.count(Request.id)).where(*created).group_by(column)
        return {key: int(n) for key, n in session.execute(stmt)}

    by_status = counts(Request.status)
    by_type = {("(none)" if k is None else k): n for k, n in counts(Request.type).items()}
    owner_stmt = (
        select(Owner.email, func.count(Request.id))
        .join(Owner, Owner.id == Request.owner_id)
        .where(*created)
        .group_by(Owner.email)
    )
    by_owner = {email: int(n) for email, n in session.execute(owner_stmt)}

    first_assigned = (
        select(Event.request_id, func.min(Event.at).label("first_at"))
        .where(Event.kind == "assigned", Event.request_id.is_not(None))
        .group_by(Event.request_id)
        .subquery()
    )
    delay_stmt = (
        select(Request.created_at, first_assigned.c.first_at)
        .join(first_assigned, first_assigned.c.request_id == Request.id)
        .where(*created)
    )
    delays = [
        (first_at - created_at).total_seconds()
        for created_at, first_at in session.execute(delay_stmt)
    ]
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_type": by_type,
        "by_owner": by_owner,
        "assigned": len(delays),
        "median_seconds_to_assignment": statistics.median(delays) if delays else None,
    }
