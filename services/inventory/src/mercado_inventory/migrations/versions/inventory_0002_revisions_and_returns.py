"""reservations remember which revision of the order's lines they hold; paid stock can return

Revision ID: inventory_0002
Revises: inventory_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0002"
down_revision = "inventory_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "reservations", sa.Column("revision", sa.Integer, nullable=False, server_default="1")
    )
    op.drop_constraint("ck_stock_movements_known_kind", "stock_movements", type_="check")
    op.create_check_constraint(
        "ck_stock_movements_known_kind",
        "stock_movements",
        "kind IN ('receipt', 'adjustment', 'sale', 'return')",
    )


def downgrade() -> None:
    op.drop_constraint("ck_stock_movements_known_kind", "stock_movements", type_="check")
    op.create_check_constraint(
        "ck_stock_movements_known_kind",
        "stock_movements",
        "kind IN ('receipt', 'adjustment', 'sale')",
    )
    op.drop_column("reservations", "revision")
