"""Tables of the notifications service's own database."""

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from mercado_platform.db import service_metadata

metadata = service_metadata()

NOW = func.now()

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("email", Text),
    Column("full_name", Text),
    Column("state", String(10), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("audience", String(10), nullable=False),
    Column("data", JSONB, nullable=False),
    Column("customer_id", String(64)),
    Column("order_id", String(64)),
    Column("recipient", Text),
    Column("subject", Text),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("recipient_lookups", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("next_attempt_at", DateTime(timezone=True)),
    # the trace of the event that asked for it: its delivery goes on in that trace
    Column("traceparent", Text),
    Column("sent_at", DateTime(timezone=True)),
    Index(
        "uq_notifications_event_addressee",
        "event_id",
        "audience",
        text("coalesce(customer_id, recipient)"),
        unique=True,
    ),
    Index(
        "ix_notifications_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_notifications_customer_created", "customer_id", "created_at"),
    Index("ix_notifications_created", "created_at"),
    Index("ix_notifications_order", "order_id"),
)
