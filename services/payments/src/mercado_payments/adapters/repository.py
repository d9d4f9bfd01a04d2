"""Payments in and out of PostgreSQL; the only module that knows the payments table.

The statements every order runs are built once, with bound parameters (see orders'
repository.py for why).
"""

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from mercado_payments.adapters.tables import payments, webhook_events
from mercado_payments.domain.model import OUTSTANDING, Payment, Status
from mercado_platform.db import ROW_ID, update_by_id
from mercado_platform.messaging.tracing import current_traceparent
from mercado_platform.pagination import PageQuery, fetch_page

COLUMNS = tuple(field.name for field in fields(Payment))
_ADD = (
    pg_insert(payments)
    .values(updated_at=func.now())
    .on_conflict_do_nothing(index_elements=["order_id"])
)
_BY = {
    column: select(payments).where(payments.c[column] == bindparam("value"))
    for column in ("order_id", "session_id", "payment_intent")
}
_LOCKED_BY = {column: statement.with_for_update() for column, statement in _BY.items()}
_SAVE = update_by_id(payments, updated_at=func.now())
_TRACE = select(payments.c.traceparent).where(payments.c.id == bindparam("id"))
_FIRST_SIGHT = pg_insert(webhook_events).on_conflict_do_nothing()


class PaymentRepository:
    """Loads and saves payments; `lock` holds the row until the unit of work ends."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def add(self, payment: Payment) -> bool:
        """Insert a new payment, in the current trace; False (nothing written) when the order
        already has one."""
        row = {**asdict(payment), "traceparent": current_traceparent()}
        return self.session.execute(_ADD, row).rowcount == 1

    def traceparent_of(self, payment_id: str) -> str | None:
        """The trace context the payment was requested in."""
        return self.session.execute(_TRACE, {"id": payment_id}).scalar()

    def for_order(self, order_id: str, *, lock: bool = False) -> Payment | None:
        """The order's payment, if it has one."""
        return self._one("order_id", order_id, lock)

    def for_session(self, session_id: str, *, lock: bool = False) -> Payment | None:
        """The payment paid through checkout session `session_id`."""
        return self._one("session_id", session_id, lock)

    def for_payment_intent(self, payment_intent: str, *, lock: bool = False) -> Payment | None:
        """The payment whose money came in through `payment_intent`."""
        return self._one("payment_intent", payment_intent, lock)

    def next_outstanding(self, now: datetime) -> Payment | None:
        """One payment with provider work due, locked; others' claims are skipped."""
        statement = (
            select(payments)
            .where(payments.c.status.in_([status.value for status in OUTSTANDING]))
            .where(or_(payments.c.next_attempt_at.is_(None), payments.c.next_attempt_at <= now))
            .order_by(payments.c.next_attempt_at.nulls_first())
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self.session.execute(statement).first()
        return payment_from_row(row) if row else None

    def save(self, payment: Payment) -> None:
        """Write the payment's current state."""
        values = {name: getattr(payment, name) for name in COLUMNS if name != "id"}
        self.session.execute(_SAVE, {**values, ROW_ID: payment.id})

    def first_sight(self, event_id: str, event_type: str) -> bool:
        """Record a provider event id; False when it was seen before (do nothing again)."""
        row = {"event_id": event_id, "type": event_type}
        return self.session.execute(_FIRST_SIGHT, row).rowcount == 1

    def page(self, page: PageQuery, status: Status | None = None) -> tuple[list[Payment], bool]:
        """One page of payments, newest first, optionally only those in `status`; whether
        more follow."""
        statement = select(payments).order_by(payments.c.created_at.desc(), payments.c.id)
        if status is not None:
            statement = statement.where(payments.c.status == status.value)
        rows, more = fetch_page(self.session, statement, page, rows=True)
        return [payment_from_row(row) for row in rows], more

    def _one(self, column: str, value: str, lock: bool) -> Payment | None:
        statement = (_LOCKED_BY if lock else _BY)[column]
        row = self.session.execute(statement, {"value": value}).first()
        return payment_from_row(row) if row else None


def payment_from_row(row: Row[Any]) -> Payment:
    """A Payment from a row of the payments table."""
    values = {name: getattr(row, name) for name in COLUMNS}
    return Payment(**{**values, "status": Status(row.status)})
