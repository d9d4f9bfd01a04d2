"""Notifications in the database: recorded by the consumer, claimed by the deliverer.

The statements each e-mail runs are built once, with bound parameters (see orders'
repository.py for why).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, insert, select, update

from mercado_notifications.adapters.tables import customers, notifications
from mercado_notifications.domain.model import Audience, Customer, Notification, Status
from mercado_platform.db import ROW_ID, update_by_id
from mercado_platform.messaging.tracing import current_traceparent
from mercado_platform.pagination import PageQuery, fetch_page

COLUMNS = tuple(column.name for column in notifications.columns if column.name != "traceparent")
_ADD = insert(notifications)
_GET = select(notifications).where(notifications.c.id == bindparam("key"))
# the addressee comes with the claim: one round trip less an e-mail
_CLAIM_DUE = (
    select(
        notifications,
        customers.c.email.label("customer_email"),
        customers.c.full_name.label("customer_name"),
        customers.c.state.label("customer_state"),
    )
    .outerjoin(customers, customers.c.customer_id == notifications.c.customer_id)
    .where(notifications.c.status == Status.PENDING)
    .where(notifications.c.next_attempt_at <= bindparam("now"))
    .order_by(notifications.c.next_attempt_at)
    .limit(1)
    .with_for_update(of=notifications, skip_locked=True)
)
_SAVE = update_by_id(notifications)


class Claim(NamedTuple):
    """A notification claimed for delivery, its customer, and the trace it belongs to."""

    note: Notification
    customer: Customer | None
    traceparent: str | None


@dataclass(frozen=True)
class Filters:
    """What a listing of notifications is narrowed to; None leaves a filter out."""

    customer_id: str | None = None
    recipient: str | None = None
    event_type: str | None = None
    status: Status | None = None
    order_id: str | None = None


class NotificationRepository:
    """Load, add and save notifications in one session."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def add(self, note: Notification) -> None:
        """Record a new notification, due at once, in the current trace."""
        self.session.execute(_ADD, {**_values(note), "traceparent": current_traceparent()})

    def get(self, notification_id: str) -> Notification | None:
        """One notification by id."""
        row = self.session.execute(_GET, {"key": notification_id}).first()
        return from_row(row) if row else None

    def claim_due(self, now: datetime) -> "Claim | None":
        """Lock the pending notification due first, skipping those other deliverers hold;
        with its customer as last heard of (None if it has none, or none was heard of)."""
        row = self.session.execute(_CLAIM_DUE, {"now": now}).first()
        if row is None:
            return None
        return Claim(from_row(row), _customer(row), row.traceparent)

    def save(self, note: Notification) -> None:
        """Write back what delivery changed."""
        values = {name: value for name, value in _values(note).items() if name != "id"}
        self.session.execute(_SAVE, {**values, ROW_ID: note.id})

    def page(self, page: PageQuery, filters: Filters) -> tuple[list[Notification], bool]:
        """One page of the notifications that pass `filters`, newest first; whether more
        follow."""
        columns = notifications.c
        statement = select(notifications).order_by(columns.created_at.desc(), columns.id.desc())
        if filters.customer_id is not None:
            statement = statement.where(columns.customer_id == filters.customer_id)
        if filters.recipient is not None:
            statement = statement.where(func.lower(columns.recipient) == filters.recipient.lower())
        if filters.event_type is not None:
            statement = statement.where(columns.event_type == filters.event_type)
        if filters.status is not None:
            statement = statement.where(columns.status == filters.status.value)
        if filters.order_id is not None:
            statement = statement.where(columns.order_id == filters.order_id)
        rows, more = fetch_page(self.session, statement, page, rows=True)
        return [from_row(row) for row in rows], more

    def forget_customer(self, customer_id: str, now: datetime) -> None:
        """Erase a deleted customer's address from the log; what was still owed is skipped."""
        of_customer = notifications.c.customer_id == customer_id
        self.session.execute(
            update(notifications).where(of_customer).values(recipient=None, updated_at=now)
        )
        self.session.execute(
            update(notifications)
            .where(of_customer, notifications.c.status == Status.PENDING)
            .values(
                status=Status.SKIPPED,
                last_error="the customer deleted their account",
                next_attempt_at=None,
            )
        )


def from_row(row: Any) -> Notification:
    """A notification from its table row."""
    values = {name: getattr(row, name) for name in COLUMNS}
    values["audience"] = Audience(values["audience"])
    values["status"] = Status(values["status"])
    return Notification(**values)


def _customer(row: Any) -> Customer | None:
    if row.customer_state is None:  # no event about the customer arrived yet
        return None
    return Customer(row.customer_id, row.customer_email, row.customer_name, row.customer_state)


def _values(note: Notification) -> dict[str, Any]:
    values = {name: getattr(note, name) for name in COLUMNS}
    values["updated_at"] = note.updated_at or note.created_at
    return values
