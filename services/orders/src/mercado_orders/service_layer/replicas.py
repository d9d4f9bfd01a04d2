"""Keep orders' copies of customers and products in step with their owners' events."""

from datetime import datetime

from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_platform.messaging.events import Event

FORGOTTEN = {"login": None, "email": None, "full_name": None}


def _seen(event: Event) -> datetime:
    return datetime.fromisoformat(event.time)


def product_changed(event: Event, uow: OrdersUnitOfWork) -> None:
    """A product was created or updated: keep its name, price and whether it sells."""
    fields = ("product_id", "sku", "name", "price", "active")
    uow.catalogue.upsert({name: event.data[name] for name in fields}, _seen(event))


def product_deleted(event: Event, uow: OrdersUnitOfWork) -> None:
    """A product left the catalogue: keep its name for old orders, never sell it again."""
    data = event.data
    values = {"product_id": data["product_id"], "sku": data["sku"], "active": False}
    uow.catalogue.upsert(
        {**values, "name": data["sku"], "price": 0},
        _seen(event),
        keep=("name", "price"),
    )


def customer_changed(event: Event, uow: OrdersUnitOfWork) -> None:
    """A customer registered or changed their profile."""
    fields = ("customer_id", "login", "email", "full_name")
    values = {name: event.data[name] for name in fields}
    uow.customers.upsert({**values, "state": "active"}, _seen(event))


def customer_disabled(event: Event, uow: OrdersUnitOfWork) -> None:
    """An administrator disabled the account: no new orders from it."""
    values = {"customer_id": event.data["customer_id"], "state": "disabled"}
    uow.customers.upsert(values, _seen(event))


def customer_deleted(event: Event, uow: OrdersUnitOfWork) -> None:
    """The customer deleted their account: forget their personal data here too."""
    values = {"customer_id": event.data["customer_id"], "state": "deleted", **FORGOTTEN}
    uow.customers.upsert(values, _seen(event))


HANDLERS = {
    "product.created": product_changed,
    "product.updated": product_changed,
    "product.deleted": product_deleted,
    "customer.registered": customer_changed,
    "customer.updated": customer_changed,
    "customer.disabled": customer_disabled,
    "customer.deleted": customer_deleted,
}
