"""products, reservations and the append-only stock movements ledger

Revision ID: inventory_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0001"
down_revision = None
branch_labels = ("inventory",)
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION stock_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock_movements is an append-only ledger: % refused', TG_OP;
END $$;
CREATE TRIGGER stock_movements_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON stock_movements
  FOR EACH STATEMENT EXECUTE FUNCTION stock_movements_append_only();
"""


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("on_hand", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reserved", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("minimum", sa.Integer()),
        sa.Column("maximum", sa.Integer()),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.CheckConstraint("price >= 0", name="ck_products_price_not_negative"),
        sa.CheckConstraint("on_hand >= 0", name="ck_products_on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_products_reserved_not_negative"),
        sa.CheckConstraint("reserved <= on_hand", name="ck_products_reserved_within_on_hand"),
        sa.CheckConstraint("minimum >= 0", name="ck_products_minimum_not_negative"),
        sa.CheckConstraint("maximum >= 0", name="ck_products_maximum_not_negative"),
        sa.CheckConstraint("minimum <= maximum", name="ck_products_minimum_within_maximum"),
    )
    live = sa.text("deleted_at IS NULL")
    op.create_index("uq_products_live_sku", "products", ["sku"], unique=True, postgresql_where=live)
    op.create_index("ix_products_live_name", "products", ["name", "id"], postgresql_where=live)

    op.create_table(
        "reservations",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("order_id", name="pk_reservations"),
        sa.CheckConstraint(
            "status IN ('pending', 'reserved', 'rejected', 'committed', 'cancelled', 'expired')",
            name="ck_reservations_known_status",
        ),
    )
    op.create_index(
        "ix_reservations_due",
        "reservations",
        ["expires_at"],
        postgresql_where=sa.text("status = 'reserved'"),
    )
    op.create_table(
        "reservation_lines",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("product_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "product_id", name="pk_reservation_lines"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["reservations.order_id"],
            name="fk_reservation_lines_order_id_reservations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_reservation_lines_product_id_products"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_reservation_lines_quantity_positive"),
    )

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("product_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("on_hand_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stock_movements"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_stock_movements_product_id_products"
        ),
        sa.CheckConstraint(
            "kind IN ('receipt', 'adjustment', 'sale')", name="ck_stock_movements_known_kind"
        ),
        sa.CheckConstraint("quantity <> 0", name="ck_stock_movements_quantity_not_zero"),
        sa.CheckConstraint(
            "on_hand_after >= 0", name="ck_stock_movements_on_hand_after_not_negative"
        ),
    )
    op.create_index("ix_stock_movements_product_id", "stock_movements", ["product_id", "id"])
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.drop_table("stock_movements")
    op.execute("DROP FUNCTION stock_movements_append_only()")
    op.drop_table("reservation_lines")
    op.drop_table("reservations")
    op.drop_table("products")
