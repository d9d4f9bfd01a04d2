"""Orders' own copies of customers and products, kept from their services' events."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.postgresql import insert

from mercado_orders.adapters.tables import customers, products
from mercado_orders.domain.pricing import CatalogueEntry

# built once: an order placed reads them (see repository.py)
_PRODUCTS = select(products).where(products.c.product_id.in_(bindparam("ids", expanding=True)))
_CUSTOMER_STATE = select(customers.c.state).where(
    customers.c.customer_id == bindparam("customer_id")
)


def upsert_product(
    session: Connection, values: dict[str, Any], seen_at: datetime, keep: tuple[str, ...] = ()
) -> None:
    """Store a product's state unless a newer event already did (events may arrive
    reordered); columns in `keep` are only written when the row is new."""
    _upsert(session, products, "product_id", {**values, "seen_at": seen_at}, keep)


def upsert_customer(
    session: Connection, values: dict[str, Any], seen_at: datetime, keep: tuple[str, ...] = ()
) -> None:
    """Store a customer's state unless a newer event already did."""
    _upsert(session, customers, "customer_id", {**values, "seen_at": seen_at}, keep)


def catalogue(session: Connection, product_ids: Iterable[str]) -> dict[str, CatalogueEntry]:
    """The products orders knows of, by id."""
    return {
        row.product_id: CatalogueEntry(row.product_id, row.name, row.price, row.active)
        for row in session.execute(_PRODUCTS, {"ids": list(product_ids)})
    }


def customer_state(session: Connection, customer_id: str) -> str | None:
    """`active`, `disabled`, `deleted`, or None when no event about them arrived yet."""
    return session.execute(_CUSTOMER_STATE, {"customer_id": customer_id}).scalar()


def _upsert(
    session: Connection, table: Any, key: str, values: dict[str, Any], keep: tuple[str, ...]
) -> None:
    statement = insert(table).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[key],
            set_={name: statement.excluded[name] for name in values if name not in {key, *keep}},
            where=table.c.seen_at <= statement.excluded.seen_at,
        )
    )
