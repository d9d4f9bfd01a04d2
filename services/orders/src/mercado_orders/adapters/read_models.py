"""Orders' own copies of customers and products, kept from their services' events."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert

from mercado_orders.adapters.tables import customers, products
from mercado_orders.domain.pricing import CatalogueEntry

_PRODUCTS = select(products).where(products.c.product_id.in_(bindparam("ids", expanding=True)))
_CUSTOMER_STATE = select(customers.c.state).where(
    customers.c.customer_id == bindparam("customer_id")
)


class Catalogue:
    """The products orders knows of, as inventory's events described them."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def entries(self, product_ids: Iterable[str]) -> dict[str, CatalogueEntry]:
        """The known products among `product_ids`, by id."""
        return {
            row.product_id: CatalogueEntry(row.product_id, row.name, row.price, row.active)
            for row in self.session.execute(_PRODUCTS, {"ids": list(product_ids)})
        }

    def upsert(self, values: dict[str, Any], seen_at: datetime, keep: tuple[str, ...] = ()) -> None:
        """Store a product's state unless a newer event already did (events may arrive
        reordered); columns in `keep` are only written when the row is new."""
        _upsert(self.session, products, "product_id", {**values, "seen_at": seen_at}, keep)


class Customers:
    """The customers orders knows of, as the users service's events described them."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def state(self, customer_id: str) -> str | None:
        """`active`, `disabled`, `deleted`, or None when no event about them arrived yet."""
        return self.session.execute(_CUSTOMER_STATE, {"customer_id": customer_id}).scalar()

    def upsert(self, values: dict[str, Any], seen_at: datetime) -> None:
        """Store a customer's state unless a newer event already did."""
        _upsert(self.session, customers, "customer_id", {**values, "seen_at": seen_at}, ())


def _upsert(
    session: Connection, table: Table, key: str, values: dict[str, Any], keep: tuple[str, ...]
) -> None:
    statement = insert(table).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[key],
            set_={name: statement.excluded[name] for name in values if name not in {key, *keep}},
            where=table.c.seen_at <= statement.excluded.seen_at,
        )
    )
