"""What inventory consumes: its queue, the fields it reads from each event, and the
handlers that map each event onto a use case inside the consumer's transaction."""

from datetime import timedelta
from functools import partial

from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_inventory.domain.reservations import merge_lines
from mercado_inventory.service_layer import reservations
from mercado_inventory.service_layer.dependencies import Dependencies
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import Queue

_ORDER_ID = {"order_id": {"type": "string"}}
_LINE = {
    "type": "object",
    "required": ["product_id", "quantity"],
    "properties": {"product_id": {"type": "string"}, "quantity": {"type": "integer"}},
}
ORDERS = Queue(
    "inventory.orders",
    reads={
        "order.placed": {
            "type": "object",
            "required": ["order_id", "items"],
            "properties": {**_ORDER_ID, "items": {"type": "array", "items": _LINE}},
        },
        "order.cancelled": {"type": "object", "required": ["order_id"], "properties": _ORDER_ID},
        "order.paid": {"type": "object", "required": ["order_id"], "properties": _ORDER_ID},
    },
)


def placed(event: Event, uow: InventoryUnitOfWork, *, ttl: timedelta) -> None:
    """Reserve every line of the order, or none."""
    lines = merge_lines((item["product_id"], item["quantity"]) for item in event.data["items"])
    revision = event.data.get("revision", 1)
    reservations.reserve(uow, event.data["order_id"], lines, ttl, revision)


def cancelled(event: Event, uow: InventoryUnitOfWork) -> None:
    """Release what the order held."""
    reservations.cancel(uow, event.data["order_id"])


def paid(event: Event, uow: InventoryUnitOfWork) -> None:
    """Take the order's reservation off the shelf."""
    reservations.commit(uow, event.data["order_id"])


def handlers(inventory: Dependencies) -> dict[str, dict[str, Handler]]:
    """Queue to event type to handler, as the consumer dispatches them."""
    return {
        ORDERS.name: {
            "order.placed": partial(placed, ttl=inventory.reservation_ttl),
            "order.cancelled": cancelled,
            "order.paid": paid,
        }
    }
