"""each notification keeps the trace of the event that asked for it, for its delivery

Revision ID: notifications_0002
Revises: notifications_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications_0002"
down_revision = "notifications_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("traceparent", sa.Text))


def downgrade() -> None:
    op.drop_column("notifications", "traceparent")
