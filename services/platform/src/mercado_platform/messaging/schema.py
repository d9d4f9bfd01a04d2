"""The outbox and inbox tables every service's database has, and their migration."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)

NOTIFY_CHANNEL = "mercado_outbox"


def _outbox_columns() -> list:
    return [
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Text, nullable=False, unique=True),
        Column("exchange", Text, nullable=False),
        Column("routing_key", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column(
            "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
        Column("sent_at", DateTime(timezone=True)),
    ]


def _trace_columns() -> list:
    """The W3C trace context the event was created in (platform_0002): the relay publishes
    as its child, however long after the commit and whichever relay does it."""
    return [Column("traceparent", Text), Column("tracestate", Text)]


def _inbox_columns() -> list:
    return [
        Column("queue", Text, nullable=False),
        Column("message_id", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("queue", "message_id"),
    ]


UNSENT = text("sent_at IS NULL")


def add_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Add `outbox` and `inbox` to a service's metadata; returns them."""
    outbox = Table("outbox", metadata, *_outbox_columns(), *_trace_columns())
    Index("ix_outbox_unsent", outbox.c.id, postgresql_where=UNSENT)
    Index("ix_outbox_sent_at", outbox.c.sent_at)
    inbox = Table("inbox", metadata, *_inbox_columns())
    Index("ix_inbox_handled_at", inbox.c.handled_at)
    return outbox, inbox


def create_messaging_tables() -> None:
    """Alembic step for a service's migration: create the outbox and inbox (as they were
    first made; later steps follow)."""
    from alembic import op

    op.create_table("outbox", *_outbox_columns())
    op.create_index("ix_outbox_unsent", "outbox", ["id"], postgresql_where=UNSENT)
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table("inbox", *_inbox_columns())
    op.create_index("ix_inbox_handled_at", "inbox", ["handled_at"])


def add_trace_columns() -> None:
    """Alembic step: the outbox keeps each event's trace context."""
    from alembic import op

    for column in _trace_columns():
        op.add_column("outbox", column)


def drop_trace_columns() -> None:
    """Alembic step undoing `add_trace_columns`."""
    from alembic import op

    for column in _trace_columns():
        op.drop_column("outbox", column.name)


def drop_messaging_tables() -> None:
    """Alembic step undoing `create_messaging_tables`."""
    from alembic import op

    op.drop_table("inbox")
    op.drop_table("outbox")
