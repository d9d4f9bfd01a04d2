"""Tables of the inventory service's own database.

The CHECK constraints on `products` are the last line of defence against overselling:
whatever a bug in the code did, a transaction leaving reserved above on hand, or either
below zero, cannot commit.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from mercado_platform.db import service_metadata

metadata = service_metadata()


def _timestamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


products = Table(
    "products",
    metadata,
    Column("id", Uuid(as_uuid=False), primary_key=True),
    Column("sku", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("price", Numeric(12, 2), nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    Column("minimum", Integer),
    Column("maximum", Integer),
    *_timestamps(),
    Column("deleted_at", DateTime(timezone=True)),
    CheckConstraint("price >= 0", name="price_not_negative"),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("minimum >= 0", name="minimum_not_negative"),
    CheckConstraint("maximum >= 0", name="maximum_not_negative"),
    CheckConstraint("minimum <= maximum", name="minimum_within_maximum"),
)
Index(
    "uq_products_live_sku", products.c.sku, unique=True, postgresql_where=text("deleted_at IS NULL")
)
Index(
    "ix_products_live_name",
    products.c.name,
    products.c.id,
    postgresql_where=text("deleted_at IS NULL"),
)

RESERVATION_STATUSES = "'pending', 'reserved', 'rejected', 'committed', 'cancelled', 'expired'"
reservations = Table(
    "reservations",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revision", Integer, nullable=False, server_default="1"),
    *_timestamps(),
    CheckConstraint(f"status IN ({RESERVATION_STATUSES})", name="known_status"),
)
Index(
    "ix_reservations_due",
    reservations.c.expires_at,
    postgresql_where=text("status = 'reserved'"),
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column(
        "order_id", Text, ForeignKey("reservations.order_id", ondelete="CASCADE"), nullable=False
    ),
    Column("product_id", Uuid(as_uuid=False), ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("order_id", "product_id"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("product_id", Uuid(as_uuid=False), ForeignKey("products.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("on_hand_after", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("order_id", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('receipt', 'adjustment', 'sale', 'return')", name="known_kind"),
    CheckConstraint("quantity <> 0", name="quantity_not_zero"),
    CheckConstraint("on_hand_after >= 0", name="on_hand_after_not_negative"),
)
Index("ix_stock_movements_product_id", stock_movements.c.product_id, stock_movements.c.id)
