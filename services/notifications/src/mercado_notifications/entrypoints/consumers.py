"""What notifications consumes: its queues, the fields it reads from each event (checked
against the producers' contracts), and the handlers."""

from functools import partial
from typing import Any

from mercado_notifications.service_layer import customers, recording
from mercado_notifications.service_layer.dependencies import Dependencies
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.topology import Queue


def fields(*required: str, optional: tuple[str, ...] = (), **nested: dict[str, Any]) -> dict:
    """A schema of the fields read: `required` must be sent, `optional` are used when sent."""
    return {
        "type": "object",
        "required": [*required, *nested],
        "properties": {**{name: {} for name in (*required, *optional)}, **nested},
    }


REJECTED_LINE = {
    "type": "object",
    "properties": {"product_id": {}, "reason": {}, "requested": {}, "available": {}},
}
CUSTOMER_MAIL = {
    "payment.link_created": fields(
        "order_id", "url", "expires_at", optional=("customer_id", "amount", "currency")
    ),
    "payment.refunded": fields("order_id", "amount", "currency", optional=("customer_id",)),
    "order.paid": fields("order_id", "customer_id", "total", "currency"),
    "order.cancelled": fields("order_id", "customer_id", "reason", "was_paid"),
    "order.rejected": fields(
        "order_id", "customer_id", lines={"type": "array", "items": REJECTED_LINE}
    ),
}
STAFF_MAIL = {"stock.low": fields("product_id", "sku", "name", "available", "minimum")}
MAIL = Queue("notifications.mail", reads={**CUSTOMER_MAIL, **STAFF_MAIL})
CUSTOMERS = Queue(
    "notifications.customers",
    reads={
        "customer.registered": fields("customer_id", "email", "full_name"),
        "customer.updated": fields("customer_id", "email", "full_name"),
        "customer.disabled": fields("customer_id"),
        "customer.deleted": fields("customer_id"),
    },
)


def handlers(notifications: Dependencies) -> dict[str, dict[str, Handler]]:
    """Queue to event type to handler, as the consumer dispatches them."""
    to_staff = partial(recording.to_staff, staff=notifications.staff)
    return {
        MAIL.name: {
            **{kind: recording.to_customer for kind in CUSTOMER_MAIL},
            **{kind: to_staff for kind in STAFF_MAIL},
        },
        CUSTOMERS.name: dict(customers.HANDLERS),
    }
