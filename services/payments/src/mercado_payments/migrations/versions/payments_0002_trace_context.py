"""each payment keeps the trace it was requested in, for its webhooks to go on in

Revision ID: payments_0002
Revises: payments_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "payments_0002"
down_revision = "payments_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payments", sa.Column("traceparent", sa.Text))


def downgrade() -> None:
    op.drop_column("payments", "traceparent")
