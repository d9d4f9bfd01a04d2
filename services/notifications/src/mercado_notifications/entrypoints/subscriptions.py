"""What notifications consumes: its queues, their bindings, the handlers, and the fields it
reads from each event (checked against the producers' contracts)."""

from typing import Any

from mercado_notifications.service_layer import customers
from mercado_notifications.service_layer.recording import CUSTOMER_MAIL, STAFF_MAIL, MailEvents
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.topology import Subscription, Topology, exchange_for

MAIL_QUEUE = "notifications.mail"
CUSTOMERS_QUEUE = "notifications.customers"
PRODUCERS = {"payment.": "payments", "order.": "orders", "stock.": "inventory"}


def _producer(event_type: str) -> str:
    return next(service for prefix, service in PRODUCERS.items() if event_type.startswith(prefix))


TOPOLOGY = Topology(
    "notifications",
    subscriptions=(
        Subscription(
            MAIL_QUEUE,
            tuple((exchange_for(_producer(t)), t) for t in (*CUSTOMER_MAIL, *STAFF_MAIL)),
        ),
        Subscription(
            CUSTOMERS_QUEUE, tuple((exchange_for("users"), t) for t in customers.HANDLERS)
        ),
    ),
    publishes=False,
)


def handlers() -> dict[str, dict[str, Handler]]:
    """Queue to event type to handler."""
    return {MAIL_QUEUE: MailEvents().handlers(), CUSTOMERS_QUEUE: customers.HANDLERS}


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
READS = {
    "customer.registered": fields("customer_id", "email", "full_name"),
    "customer.updated": fields("customer_id", "email", "full_name"),
    "customer.disabled": fields("customer_id"),
    "customer.deleted": fields("customer_id"),
    "payment.link_created": fields(
        "order_id", "url", "expires_at", optional=("customer_id", "amount", "currency")
    ),
    "payment.refunded": fields("order_id", "amount", "currency", optional=("customer_id",)),
    "order.paid": fields("order_id", "customer_id", "total", "currency"),
    "order.cancelled": fields("order_id", "customer_id", "reason", "was_paid"),
    "order.rejected": fields(
        "order_id", "customer_id", lines={"type": "array", "items": REJECTED_LINE}
    ),
    "stock.low": fields("product_id", "sku", "name", "available", "minimum"),
}
