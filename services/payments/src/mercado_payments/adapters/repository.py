"""Payments in and out of PostgreSQL; the only module that knows the payments table."""

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from mercado_payments.adapters.orm import payments, webhook_events
from mercado_payments.domain.model import OUTSTANDING, Payment, Status

COLUMNS = tuple(field.name for field in fields(Payment))


class PaymentRepository:
    """Loads and saves payments; `lock` holds the row until the unit of work ends."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payment: Payment) -> bool:
        """Insert a new payment; False (nothing written) when the order already has one."""
        statement = pg_insert(payments).values(**asdict(payment), updated_at=func.now())
        done = self.session.execute(statement.on_conflict_do_nothing(index_elements=["order_id"]))
        return done.rowcount == 1

    def for_order(self, order_id: str, *, lock: bool = False) -> Payment | None:
        """The order's payment, if it has one."""
        return self._one(select(payments).where(payments.c.order_id == order_id), lock)

    def for_session(self, session_id: str, *, lock: bool = False) -> Payment | None:
        """The payment paid through checkout session `session_id`."""
        return self._one(select(payments).where(payments.c.session_id == session_id), lock)

    def for_payment_intent(self, payment_intent: str, *, lock: bool = False) -> Payment | None:
        """The payment whose money came in through `payment_intent`."""
        query = select(payments).where(payments.c.payment_intent == payment_intent)
        return self._one(query, lock)

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
        self.session.execute(
            update(payments)
            .where(payments.c.id == payment.id)
            .values(**values, updated_at=func.now())
        )

    def first_sight(self, event_id: str, event_type: str) -> bool:
        """Record a provider event id; False when it was seen before (do nothing again)."""
        statement = pg_insert(webhook_events).values(event_id=event_id, type=event_type)
        return self.session.execute(statement.on_conflict_do_nothing()).rowcount == 1

    def _one(self, statement: Select[Any], lock: bool) -> Payment | None:
        row = self.session.execute(statement.with_for_update() if lock else statement).first()
        return payment_from_row(row) if row else None


def payments_query(status: Status | None = None, customer_id: str | None = None) -> Select[Any]:
    """Payments, newest first, optionally only those in `status` or of one customer."""
    statement = select(payments).order_by(payments.c.created_at.desc(), payments.c.id)
    if status is not None:
        statement = statement.where(payments.c.status == status.value)
    if customer_id is not None:
        statement = statement.where(payments.c.customer_id == customer_id)
    return statement


def payment_from_row(row: Row[Any]) -> Payment:
    """A Payment from a row of the payments table."""
    values = {name: getattr(row, name) for name in COLUMNS}
    return Payment(**{**values, "status": Status(row.status)})
