"""Keep orders' copies of customers and products in step with their owners' events."""

from datetime import datetime

from mercado_orders.adapters.read_models import upsert_customer, upsert_product
from mercado_platform.db import UnitOfWork
from mercado_platform.messaging.events import Event

FORGOTTEN = {"login": None, "email": None, "full_name": None}


def _seen(event: Event) -> datetime:
    return datetime.fromisoformat(event.time)


def product_changed(event: Event, uow: UnitOfWork) -> None:
    """A product was created or updated: keep its name, price and whether it sells."""
    fields = ("product_id", "sku", "name", "price", "active")
    upsert_product(uow.session, {name: event.data[name] for name in fields}, _seen(event))


def product_deleted(event: Event, uow: UnitOfWork) -> None:
    """A product left the catalogue: keep its name for old orders, never sell it again."""
    data = event.data
    values = {"product_id": data["product_id"], "sku": data["sku"], "active": False}
    upsert_product(
        uow.session,
        {**values, "name": data["sku"], "price": 0},
        _seen(event),
        keep=("name", "price"),
    )


def customer_changed(event: Event, uow: UnitOfWork) -> None:
    """A customer registered or changed their profile."""
    fields = ("customer_id", "login", "email", "full_name")
    values = {name: event.data[name] for name in fields}
    upsert_customer(uow.session, {**values, "state": "active"}, _seen(event))


def customer_disabled(event: Event, uow: UnitOfWork) -> None:
    """An administrator disabled the account: no new orders from it."""
    values = {"customer_id": event.data["customer_id"], "state": "disabled"}
    upsert_customer(uow.session, values, _seen(event))


def customer_deleted(event: Event, uow: UnitOfWork) -> None:
    """The customer deleted their account: forget their personal data here too."""
    values = {"customer_id": event.data["customer_id"], "state": "deleted", **FORGOTTEN}
    upsert_customer(uow.session, values, _seen(event))


HANDLERS = {
    "product.created": product_changed,
    "product.updated": product_changed,
    "product.deleted": product_deleted,
    "customer.registered": customer_changed,
    "customer.updated": customer_changed,
    "customer.disabled": customer_disabled,
    "customer.deleted": customer_deleted,
}
