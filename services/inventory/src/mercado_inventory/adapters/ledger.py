"""The stock movements ledger: append-only (the database refuses updates and deletes)."""

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, insert

from mercado_inventory.adapters.rows import As
from mercado_inventory.adapters.tables import stock_movements
from mercado_inventory.domain.products import Movement, MovementKind
from mercado_platform.pagination import PageQuery, fetch_page


def _movement(kind: str, **columns: Any) -> Movement:
    return Movement(kind=MovementKind(kind), **columns)


MOVEMENT = As(_movement, stock_movements)
# one INSERT ... VALUES for all rows (SQLAlchemy's insertmanyvalues), in the order given
_RECORD = insert(stock_movements).returning(*stock_movements.c, sort_by_parameter_order=True)


class Ledger:
    """Every product's movements, in the order they happened."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def record(self, movements: Iterable[Movement]) -> list[Movement]:
        """Append `movements`; returns them as stored, with id and time."""
        rows = [
            {k: v for k, v in asdict(m).items() if k not in ("id", "created_at")} for m in movements
        ]
        if not rows:
            return []
        return [_movement(**row) for row in self.session.execute(_RECORD, rows).mappings()]

    def of_product(self, product_id: str, page: PageQuery) -> tuple[list[Movement], bool]:
        """One page of a product's movements, newest first; whether more follow."""
        statement = (
            MOVEMENT.select()
            .where(stock_movements.c.product_id == product_id)
            .order_by(stock_movements.c.id.desc())
        )
        rows, more = fetch_page(self.session, statement, page, rows=True)
        return MOVEMENT.all(rows), more
