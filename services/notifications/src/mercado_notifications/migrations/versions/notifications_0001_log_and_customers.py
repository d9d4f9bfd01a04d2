"""notification log and the read model of customers

Revision ID: notifications_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "notifications_0001"
down_revision = None
branch_labels = ("notifications",)
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("email", sa.Text),
        sa.Column("full_name", sa.Text),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("order_id", sa.String(64)),
        sa.Column("recipient", sa.Text),
        sa.Column("subject", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("recipient_lookups", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_notifications_event_addressee",
        "notifications",
        ["event_id", "audience", sa.text("coalesce(customer_id, recipient)")],
        unique=True,
    )
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_notifications_customer_created", "notifications", ["customer_id", "created_at"]
    )
    op.create_index("ix_notifications_created", "notifications", ["created_at"])
    op.create_index("ix_notifications_order", "notifications", ["order_id"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("customers")
