"""Tables of the orders service's own database."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from mercado_platform.db import service_metadata

metadata = service_metadata()

NOW = func.now()

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("payment_url", Text),
    Column("last_event", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("status_since", DateTime(timezone=True), nullable=False, server_default=NOW),
    Index("ix_orders_customer_created", "customer_id", "created_at"),
    Index("ix_orders_status_since", "status", "status_since"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(36), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("product_id", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(12, 2), nullable=False),
)

status_history = Table(
    "order_status_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("order_id", String(36), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("cause", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_order_status_history_order", "order_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("response_status", Integer, nullable=False),
    Column("response_body", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("login", Text),
    Column("email", Text),
    Column("full_name", Text),
    Column("state", String(10), nullable=False, server_default="active"),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("sku", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)
