"""payments (one per order) and the Stripe event ids already applied

Revision ID: payments_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "payments_0001"
down_revision = None
branch_labels = ("payments",)
depends_on = None

NOW = sa.text("now()")
STATUSES = (
    "'pending', 'open', 'succeeded', 'failed', 'expired', "
    "'cancelling', 'cancelled', 'refunding', 'refunded'"
)


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount", sa.Numeric(18, 4), nullable=False),
        sa.Column("amount_minor", sa.BigInteger),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("session_id", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("payment_intent", sa.Text),
        sa.Column("refund_id", sa.Text),
        sa.Column("failure_reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="status"),
        sa.CheckConstraint("amount_minor > 0", name="amount_minor"),
    )
    op.create_index("ix_payments_session_id", "payments", ["session_id"])
    op.create_index("ix_payments_payment_intent", "payments", ["payment_intent"])
    op.create_index("ix_payments_created", "payments", ["created_at", "id"])
    op.create_index(
        "ix_payments_outstanding",
        "payments",
        ["next_attempt_at"],
        postgresql_where=sa.text("status IN ('pending', 'cancelling', 'refunding')"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )


def downgrade() -> None:
    op.drop_table("webhook_events")
    op.drop_table("payments")
