"""outbox, inbox and the shop's tables

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from mercado_platform.messaging.schema import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "applied", sa.Column("event_id", sa.Text, nullable=False), sa.Column("seq", sa.Integer)
    )
    op.create_table("cures", sa.Column("seq", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("cures")
    op.drop_table("applied")
    drop_messaging_tables()
