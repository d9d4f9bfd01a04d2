"""Orders in and out of PostgreSQL; the only module that knows the order tables.

The statements of the hot paths (an order placed, read, moved by the saga) are built once,
with bound parameters: building one per call, and its cache key, cost more CPU than
PostgreSQL spent running it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Row, Select, bindparam, delete, insert, select

from mercado_orders.adapters.tables import order_lines, orders, status_history
from mercado_orders.domain.model import Line, Order, Status, StatusChange
from mercado_platform.db import ROW_ID, update_by_id
from mercado_platform.pagination import PageQuery, fetch_page

# An order and its lines in one round trip: a row per line (one with NULL lines if none).
_LINE_COLUMNS = [
    order_lines.c[name] for name in ("position", "product_id", "name", "quantity", "unit_price")
]
_ORDER = (
    select(orders, *_LINE_COLUMNS)
    .select_from(orders.outerjoin(order_lines))
    .where(orders.c.id == bindparam("order_id"))
    .order_by(order_lines.c.position)
)
_ORDER_LOCKED = _ORDER.with_for_update(of=orders)
_LINES = (
    select(order_lines)
    .where(order_lines.c.order_id.in_(bindparam("order_ids", expanding=True)))
    .order_by(order_lines.c.order_id, order_lines.c.position)
)
_HISTORY = (
    select(status_history)
    .where(status_history.c.order_id == bindparam("order_id"))
    .order_by(status_history.c.id)
)
_INSERT_ORDER = insert(orders)
_INSERT_LINES = insert(order_lines)
_INSERT_HISTORY = insert(status_history)
_UPDATE_ORDER = update_by_id(orders)
# An order's row and its newest history row in one round trip: PostgreSQL runs a
# data-modifying CTE whether or not the statement reads it. The row comes from a SELECT of
# its own parameters (`change_<column>`, typed as the columns are), so the outer statement's
# parameters (`id`, `status`) cannot name its columns too.
_CHANGE_COLUMNS = ("order_id", "status", "cause", "at")
_CHANGE_PARAMETERS = tuple(f"change_{name}" for name in _CHANGE_COLUMNS)
_CHANGE = (
    insert(status_history)
    .from_select(
        _CHANGE_COLUMNS,
        select(
            *(
                bindparam(parameter, type_=status_history.c[name].type)
                for parameter, name in zip(_CHANGE_PARAMETERS, _CHANGE_COLUMNS, strict=True)
            )
        ),
    )
    .cte("status_change")
)
_INSERT_ORDER_WITH_CHANGE = _INSERT_ORDER.add_cte(_CHANGE)
_UPDATE_ORDER_WITH_CHANGE = _UPDATE_ORDER.add_cte(_CHANGE)
_DELETE_LINES = delete(order_lines).where(order_lines.c.order_id == bindparam("order_id"))


@dataclass(frozen=True)
class Listed:
    """An order in a listing (without its history), with when its status last changed and
    the last event it saw."""

    order: Order
    status_since: datetime
    last_event: str | None


@dataclass(frozen=True)
class Filters:
    """What a listing of orders is narrowed to; None leaves a filter out."""

    customer_id: str | None = None
    status: Status | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


class OrderRepository:
    """Loads and saves whole orders: the row, its lines and its status history."""

    def __init__(self, session: Connection) -> None:
        self.session = session
        self._saved_history: dict[str, int] = {}
        self._saved_revision: dict[str, int] = {}

    def add(self, order: Order) -> None:
        """Insert a new order with its lines and history."""
        values = {**_row(order), "id": order.id, "created_at": order.created_at}
        self._write_row(_INSERT_ORDER, _INSERT_ORDER_WITH_CHANGE, order, values, order.history)
        self._insert_lines(order)
        self._remember(order)

    def get(self, order_id: str, *, lock: bool = False, history: bool = True) -> Order | None:
        """The order, locked against concurrent changes until commit when `lock`; without
        its past history when `history` is False (changes made to it are still saved)."""
        statement = _ORDER_LOCKED if lock else _ORDER
        rows = self.session.execute(statement, {"order_id": order_id}).all()
        if not rows:
            return None
        lines = [_line(row) for row in rows if row.position is not None]
        order = _order(rows[0], lines, self._history(order_id) if history else [])
        self._remember(order)
        return order

    def save(self, order: Order, *, last_event: str | None = None) -> None:
        """Write what changed on an order loaded from this repository."""
        values = {**_row(order), ROW_ID: order.id}
        if order.history:
            values["status_since"] = order.history[-1].at
        if last_event:
            values["last_event"] = last_event
        changes = order.history[self._saved_history[order.id] :]
        self._write_row(_UPDATE_ORDER, _UPDATE_ORDER_WITH_CHANGE, order, values, changes)
        if order.revision != self._saved_revision[order.id]:
            self.session.execute(_DELETE_LINES, {"order_id": order.id})
            self._insert_lines(order)
        self._remember(order)

    def page(self, page: PageQuery, filters: Filters) -> tuple[list[Listed], bool]:
        """One page of the orders that pass `filters`, newest first; whether more follow."""
        statement = select(orders).order_by(orders.c.created_at.desc(), orders.c.id)
        if filters.customer_id is not None:
            statement = statement.where(orders.c.customer_id == filters.customer_id)
        if filters.status is not None:
            statement = statement.where(orders.c.status == filters.status.value)
        if filters.created_from is not None:
            statement = statement.where(orders.c.created_at >= filters.created_from)
        if filters.created_to is not None:
            statement = statement.where(orders.c.created_at < filters.created_to)
        return self._listed(statement, page)

    def stuck(
        self, page: PageQuery, older_than: datetime, status: Status | None
    ) -> tuple[list[Listed], bool]:
        """One page of the open orders whose status has not changed since `older_than`,
        oldest first; whether more follow."""
        waiting = [status] if status else [Status.RECEIVED, Status.AWAITING_PAYMENT, Status.PAID]
        statement = (
            select(orders)
            .where(
                orders.c.status.in_([s.value for s in waiting]), orders.c.status_since < older_than
            )
            .order_by(orders.c.status_since, orders.c.id)
        )
        return self._listed(statement, page)

    def _listed(self, statement: Select, page: PageQuery) -> tuple[list[Listed], bool]:
        rows, more = fetch_page(self.session, statement, page, rows=True)
        lines = self._lines_of(row.id for row in rows)
        listed = [
            Listed(_order(row, lines.get(row.id, []), []), row.status_since, row.last_event)
            for row in rows
        ]
        return listed, more

    def _lines_of(self, order_ids: Iterable[str]) -> dict[str, list[Line]]:
        """The lines of several orders at once, for listings."""
        found: dict[str, list[Line]] = {}
        for row in self.session.execute(_LINES, {"order_ids": list(order_ids)}):
            found.setdefault(row.order_id, []).append(_line(row))
        return found

    def _history(self, order_id: str) -> list[StatusChange]:
        return [
            StatusChange(Status(row.status), row.cause, row.at)
            for row in self.session.execute(_HISTORY, {"order_id": order_id})
        ]

    def _write_row(
        self,
        alone: Executable,
        with_change: Executable,
        order: Order,
        values: dict[str, object],
        changes: list[StatusChange],
    ) -> None:
        """Write the order's row with `changes` to its history: one statement for the one
        change a placed order or a saga step makes."""
        if len(changes) == 1:
            self.session.execute(with_change, {**values, **_change(order.id, changes[0])})
            return
        self.session.execute(alone, values)
        self._insert_history(order.id, changes)

    def _insert_lines(self, order: Order) -> None:
        self.session.execute(
            _INSERT_LINES,
            [
                {
                    "order_id": order.id,
                    "position": position,
                    "product_id": line.product_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
                for position, line in enumerate(order.lines)
            ],
        )

    def _insert_history(self, order_id: str, changes: list[StatusChange]) -> None:
        if changes:
            self.session.execute(
                _INSERT_HISTORY,
                [
                    {"order_id": order_id, "status": c.status.value, "cause": c.cause, "at": c.at}
                    for c in changes
                ],
            )

    def _remember(self, order: Order) -> None:
        self._saved_history[order.id] = len(order.history)
        self._saved_revision[order.id] = order.revision


def _row(order: Order) -> dict[str, object]:
    """The columns an order's changes may touch (not its id)."""
    return {
        "customer_id": order.customer_id,
        "status": order.status.value,
        "currency": order.currency,
        "total": order.total,
        "revision": order.revision,
        "payment_url": order.payment_url,
    }


def _change(order_id: str, change: StatusChange) -> dict[str, object]:
    values = (order_id, change.status.value, change.cause, change.at)
    return dict(zip(_CHANGE_PARAMETERS, values, strict=True))


def _order(row: Row[Any], lines: list[Line], history: list[StatusChange]) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        status=Status(row.status),
        lines=lines,
        currency=row.currency,
        created_at=row.created_at,
        revision=row.revision,
        payment_url=row.payment_url,
        history=history,
    )


def _line(row: Row[Any]) -> Line:
    return Line(row.product_id, row.name, row.quantity, row.unit_price)
