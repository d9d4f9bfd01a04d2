"""Keep notifications' copy of customers in step with the users service's events."""

from datetime import UTC, datetime

from mercado_notifications.adapters.unit_of_work import NotificationsUnitOfWork
from mercado_platform.messaging.events import Event


def _seen(event: Event) -> datetime:
    return datetime.fromisoformat(event.time)


def customer_changed(event: Event, uow: NotificationsUnitOfWork) -> None:
    """A customer registered or changed their profile: their current address and name."""
    data = event.data
    values = {
        "customer_id": data["customer_id"],
        "email": data["email"],
        "full_name": data["full_name"],
        "state": "active",
    }
    uow.customers.upsert(values, _seen(event))


def customer_disabled(event: Event, uow: NotificationsUnitOfWork) -> None:
    """The account was disabled; mail about orders they already have still reaches them."""
    uow.customers.upsert(
        {"customer_id": event.data["customer_id"], "state": "disabled"}, _seen(event)
    )


def customer_deleted(event: Event, uow: NotificationsUnitOfWork) -> None:
    """The customer deleted their account: forget their name and address, here and in the
    log, and send them nothing more."""
    customer_id = event.data["customer_id"]
    values = {"customer_id": customer_id, "state": "deleted", "email": None, "full_name": None}
    uow.customers.upsert(values, _seen(event))
    uow.notifications.forget_customer(customer_id, datetime.now(UTC))


HANDLERS = {
    "customer.registered": customer_changed,
    "customer.updated": customer_changed,
    "customer.disabled": customer_disabled,
    "customer.deleted": customer_deleted,
}
