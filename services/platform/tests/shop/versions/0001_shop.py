"""the shop's own tables

Revision ID: shop_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "shop_0001"
down_revision = None
branch_labels = ("shop",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applied", sa.Column("event_id", sa.Text, nullable=False), sa.Column("seq", sa.Integer)
    )
    op.create_table("cures", sa.Column("seq", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("cures")
    op.drop_table("applied")
