"""The consumer's handlers for orders' events: each maps one event onto a use case."""

from datetime import timedelta
from functools import cached_property

from mercado_inventory.config import Settings
from mercado_inventory.domain.reservations import merge_lines
from mercado_inventory.service_layer import reservations
from mercado_platform.config import load_settings
from mercado_platform.db import UnitOfWork
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import Subscription, exchange_for

QUEUE = "inventory.orders"
ORDER_EVENTS = ("order.placed", "order.cancelled", "order.paid")
SUBSCRIPTION = Subscription(QUEUE, tuple((exchange_for("orders"), kind) for kind in ORDER_EVENTS))

_ORDER_ID = {"order_id": {"type": "string"}}
READS = {
    "order.placed": {
        "type": "object",
        "required": ["order_id", "items"],
        "properties": {
            **_ORDER_ID,
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["product_id", "quantity"],
                    "properties": {
                        "product_id": {"type": "string"},
                        "quantity": {"type": "integer"},
                    },
                },
            },
        },
    },
    "order.cancelled": {"type": "object", "required": ["order_id"], "properties": _ORDER_ID},
    "order.paid": {"type": "object", "required": ["order_id"], "properties": _ORDER_ID},
}


class OrderEvents:
    """Handlers of orders' events; settings are read from the environment on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @cached_property
    def ttl(self) -> timedelta:
        """How long a reservation holds stock before it expires."""
        settings = self._settings or load_settings(Settings)
        return timedelta(seconds=settings.reservation_ttl_seconds)

    def placed(self, event: Event, uow: UnitOfWork) -> None:
        """Reserve every line of the order, or none."""
        lines = merge_lines((item["product_id"], item["quantity"]) for item in event.data["items"])
        revision = event.data.get("revision", 1)
        reservations.reserve(uow, event.data["order_id"], lines, self.ttl, revision)

    def cancelled(self, event: Event, uow: UnitOfWork) -> None:
        """Release what the order held."""
        reservations.cancel(uow, event.data["order_id"])

    def paid(self, event: Event, uow: UnitOfWork) -> None:
        """Take the order's reservation off the shelf."""
        reservations.commit(uow, event.data["order_id"])

    def handlers(self) -> dict[str, Handler]:
        """Event type to handler, as the consumer dispatches them."""
        return {
            "order.placed": self.placed,
            "order.cancelled": self.cancelled,
            "order.paid": self.paid,
        }
