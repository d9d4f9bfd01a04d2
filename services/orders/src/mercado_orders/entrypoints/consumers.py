"""What orders consumes: the saga's and the replicas' queues, the fields read from each
event (checked against the producers' contracts), and their handlers."""

from typing import Any

from mercado_orders.service_layer import replicas, saga
from mercado_orders.service_layer.dependencies import Dependencies
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.topology import Queue


def fields(*names: str, **nested: dict[str, Any]) -> dict[str, Any]:
    """A schema saying these fields are read and must be present."""
    return {
        "type": "object",
        "required": [*names, *nested],
        "properties": {**{name: {} for name in names}, **nested},
    }


ORDER = ("order_id",)
REJECTED_LINE = fields("product_id", "reason")
PRODUCT = ("product_id", "sku", "name", "price", "active")
CUSTOMER = ("customer_id", "login", "email", "full_name")
SAGA = Queue(
    "orders.saga",
    reads={
        "stock.reserved": fields(*ORDER),
        "stock.rejected": fields(*ORDER, lines={"type": "array", "items": REJECTED_LINE}),
        "stock.released": fields(*ORDER, "reason"),
        "payment.link_created": fields(*ORDER, "url"),
        "payment.succeeded": fields(*ORDER),
        "payment.failed": fields(*ORDER),
        "payment.expired": fields(*ORDER),
        "payment.refunded": fields(*ORDER, "amount", "currency"),
    },
)
REPLICAS = Queue(
    "orders.replicas",
    reads={
        "product.created": fields(*PRODUCT),
        "product.updated": fields(*PRODUCT),
        "product.deleted": fields("product_id", "sku"),
        "customer.registered": fields(*CUSTOMER),
        "customer.updated": fields(*CUSTOMER),
        "customer.disabled": fields("customer_id"),
        "customer.deleted": fields("customer_id"),
    },
)


def handlers(_orders: Dependencies) -> dict[str, dict[str, Handler]]:
    """Queue to event type to handler: the saga's steps and the replicas' upserts run in
    the consumer's transaction and need nothing else."""
    return {SAGA.name: dict(saga.HANDLERS), REPLICAS.name: dict(replicas.HANDLERS)}
