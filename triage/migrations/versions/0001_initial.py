"""Initial schema: messages, requests, events, owners, outbox, refs, cursors, ...

Written to match triage/store/schema.py at the time; it must not import the package's
models or types (later model changes would silently rewrite history), so times are plain
``DateTime(timezone=True)`` here and the UTC handling lives in the model's TypeDecorator.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.JSON(none_as_null=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=16), server_default="ja", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owners")),
        sa.UniqueConstraint("email", name=op.f("uq_owners_email")),
    )
    op.create_table(
        "cursors",
        sa.Column("mailbox", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_cursors")),
    )
    op.create_table(
        "suppressions",
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _time("until", nullable=True),
        _time("created_at"),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_suppressions")),
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("urgency", sa.String(length=32), nullable=True),
        sa.Column("type_confidence", sa.Float(), nullable=True),
        sa.Column("urgency_confidence", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("requester", sa.String(length=320), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        _json("cc"),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("thread", sa.Text(), nullable=False),
        _json("attachments"),
        _time("sent_at", nullable=True),
        _json("missing"),
        _json("evidence"),
        _time("due_at", nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(length=32), nullable=True),
        sa.Column(
            "clarification_rounds", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        _time("last_clarification_at", nullable=True),
        _time("reminder_sent_at", nullable=True),
        sa.Column("mailbox", sa.String(length=255), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owners.id"], name=op.f("fk_requests_owner_id_owners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("ref", name=op.f("uq_requests_ref")),
    )
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_index("ix_requests_owner_id", "requests", ["owner_id"])
    op.create_index("ix_requests_requester", "requests", ["requester"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("header_hash", sa.String(length=128), nullable=True),
        _time("received_at"),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("from_addr", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_messages_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "mailbox", "uidvalidity", "uid", name=op.f("uq_messages_mailbox_uidvalidity_uid")
        ),
    )
    op.create_index("ix_messages_mailbox_message_id", "messages", ["mailbox", "message_id"])
    op.create_index("ix_messages_request_id", "messages", ["request_id"])

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("message_row_id", sa.Integer(), nullable=True),
        _time("at"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        _json("confidences", nullable=True),
        _json("data", nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_events_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["message_row_id"], ["messages.id"], name=op.f("fk_events_message_row_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owners.id"], name=op.f("fk_events_owner_id_owners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_request_id_at", "events", ["request_id", "at"])
    op.create_index("ix_events_at", "events", ["at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("to_addr", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _time("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        _time("claimed_at", nullable=True),
        _time("created_at"),
        _time("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_outbox_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_to_addr_created_at", "outbox", ["to_addr", "created_at"])

    op.create_table(
        "message_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("mailbox", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_message_refs_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_refs")),
    )
    op.create_index("ix_message_refs_message_id", "message_refs", ["message_id"])
    op.create_index("ix_message_refs_request_id", "message_refs", ["request_id"])

    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        _time("at"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _json("attachments"),
        _time("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_corrections_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index("ix_corrections_request_id", "corrections", ["request_id"])


def downgrade() -> None:
    for table in (
        "corrections",
        "message_refs",
        "outbox",
        "events",
        "messages",
        "requests",
        "suppressions",
        "cursors",
        "owners",
    ):
        op.drop_table(table)
