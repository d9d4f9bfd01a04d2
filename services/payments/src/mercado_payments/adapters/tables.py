"""Tables of the payments service's own database."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
    text,
)

from mercado_payments.domain.model import Status
from mercado_platform.db import service_metadata

metadata = service_metadata()

NOW = func.now()
STATUSES = ", ".join(f"'{status}'" for status in Status)

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(64), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("amount", Numeric(18, 4), nullable=False),
    Column("amount_minor", BigInteger),
    Column("currency", String(3), nullable=False),
    Column("description", Text, nullable=False),
    Column("provider", String(10), nullable=False),
    Column("session_id", Text),
    Column("url", Text),
    Column("expires_at", DateTime(timezone=True)),
    Column("payment_intent", Text),
    Column("refund_id", Text),
    Column("failure_reason", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    # the trace the payment was requested in: its webhooks' work goes on in it
    Column("traceparent", Text),
    CheckConstraint(f"status IN ({STATUSES})", name="status"),
    CheckConstraint("amount_minor > 0", name="amount_minor"),
    Index("ix_payments_session_id", "session_id"),
    Index("ix_payments_payment_intent", "payment_intent"),
    Index("ix_payments_created", "created_at", "id"),
    Index(
        "ix_payments_outstanding",
        "next_attempt_at",
        postgresql_where=text("status IN ('pending', 'cancelling', 'refunding')"),
    ),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)
