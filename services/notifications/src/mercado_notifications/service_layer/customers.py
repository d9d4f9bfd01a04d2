"""Keep notifications' copy of customers in step with the users service's events."""

from datetime import UTC, datetime

from mercado_notifications.adapters.customers import upsert_customer
from mercado_notifications.adapters.repository import NotificationRepository
from mercado_platform.db import UnitOfWork
from mercado_platform.messaging.events import Event


def _seen(event: Event) -> datetime:
    return datetime.fromisoformat(event.time)


def customer_changed(event: Event, uow: UnitOfWork) -> None:
    """A customer registered or changed their profile: their current address and name."""
    data = event.data
    values = {
        "customer_id": data["customer_id"],
        "email": data["email"],
        "full_name": data["full_name"],
        "state": "active",
    }
    upsert_customer(uow.session, values, _seen(event))


def customer_disabled(event: Event, uow: UnitOfWork) -> None:
    """The account was disabled; mail about orders they already have still reaches them."""
    upsert_customer(
        uow.session, {"customer_id": event.data["customer_id"], "state": "disabled"}, _seen(event)
    )


def customer_deleted(event: Event, uow: UnitOfWork) -> None:
    """The customer deleted their account: forget their name and address, here and in the
    log, and send them nothing more."""
    customer_id = event.data["customer_id"]
    values = {"customer_id": customer_id, "state": "deleted", "email": None, "full_name": None}
    upsert_customer(uow.session, values, _seen(event))
    NotificationRepository(uow.session).forget_customer(customer_id, datetime.now(UTC))


HANDLERS = {
    "customer.registered": customer_changed,
    "customer.updated": customer_changed,
    "customer.disabled": customer_disabled,
    "customer.deleted": customer_deleted,
}
