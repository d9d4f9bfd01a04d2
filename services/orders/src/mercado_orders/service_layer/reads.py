"""What orders reads from other services' events, checked against their contracts."""

from typing import Any


def fields(*names: str, **nested: dict[str, Any]) -> dict[str, Any]:
    """A schema saying these fields are read and must be present."""
    return {
        "type": "object",
        "required": [*names, *nested],
        "properties": {**{name: {} for name in names}, **nested},
    }


ORDER = ("order_id",)
REJECTED_LINE = fields("product_id", "reason")
READS = {
    "stock.reserved": fields(*ORDER),
    "stock.rejected": fields(*ORDER, lines={"type": "array", "items": REJECTED_LINE}),
    "stock.released": fields(*ORDER, "reason"),
    "payment.link_created": fields(*ORDER, "url"),
    "payment.succeeded": fields(*ORDER),
    "payment.failed": fields(*ORDER),
    "payment.expired": fields(*ORDER),
    "payment.refunded": fields(*ORDER, "amount", "currency"),
    "product.created": fields("product_id", "sku", "name", "price", "active"),
    "product.updated": fields("product_id", "sku", "name", "price", "active"),
    "product.deleted": fields("product_id", "sku"),
    "customer.registered": fields("customer_id", "login", "email", "full_name"),
    "customer.updated": fields("customer_id", "login", "email", "full_name"),
    "customer.disabled": fields("customer_id"),
    "customer.deleted": fields("customer_id"),
}
