"""The database layer: the only package that imports SQLAlchemy or Alembic.

Typical use::

    store = Store(sqlite_url("var/triage.db"))   # or "postgresql+psycopg://..."
    store.upgrade()                              # every start; a no-op when current
    with store.transaction() as session:         # one commit, rollback on error
        req = Request(requester="a@example.com", mailbox="INBOX", subject="...")
        session.add(req)
        session.flush()                          # req.id and req.ref ("REQ-000001") set

Errors leave this package as triage.errors: TransientError (retry), StoreError, and its
subclass ConflictError (a unique key refused the row: already handled).
"""

from triage.store.engine import ConflictError, Store, sqlite_url, translate_error
from triage.store.refs import format_ref, parse_ref
from triage.store.schema import (
    MESSAGE_STATUSES,
    OUTBOX_STATUSES,
    REQUEST_STATUSES,
    Base,
    Correction,
    Cursor,
    Event,
    Message,
    MessageRef,
    Outbox,
    Owner,
    Request,
    Suppression,
    utcnow,
)

__all__ = [
    "MESSAGE_STATUSES",
    "OUTBOX_STATUSES",
    "REQUEST_STATUSES",
    "Base",
    "ConflictError",
    "Correction",
    "Cursor",
    "Event",
    "Message",
    "MessageRef",
    "Outbox",
    "Owner",
    "Request",
    "Store",
    "Suppression",
    "format_ref",
    "parse_ref",
    "sqlite_url",
    "translate_error",
    "utcnow",
]
