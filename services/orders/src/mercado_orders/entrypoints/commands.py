"""What the REST and gRPC edges of orders share: the scopes, and the commands they build
from a validated request."""

import re

from mercado_orders.domain.pricing import RequestedLine
from mercado_orders.entrypoints.schemas import PlaceOrderBody, ProductLine
from mercado_orders.service_layer.ordering import PlaceOrder
from mercado_platform.auth import Principal
from mercado_platform.errors import Forbidden, MalformedRequest

MAX_KEY_LENGTH = 255
# visible ASCII, inner spaces allowed, as an HTTP header carries it (RFC 9110 §5.5)
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
READ, READ_ANY = "orders:read", "orders:read:any"
WRITE, WRITE_ANY = "orders:write", "orders:write:any"
FULFIL = "orders:fulfil"


def place_command(
    body: PlaceOrderBody, principal: Principal, currency: str, key: str | None
) -> PlaceOrder:
    """The order `principal` asks for; only `orders:write:any` may order for someone else."""
    if body.customer_id != principal.subject and not principal.has_scope(WRITE_ANY):
        raise Forbidden("You can only place orders for yourself.", code="not_your_customer_id")
    return PlaceOrder(
        customer_id=body.customer_id,
        lines=requested(body.products),
        currency=currency,
        caller=principal.subject,
        request=body.model_dump(mode="json"),
        idempotency_key=idempotency_key(key),
    )


def requested(products: list[ProductLine]) -> list[RequestedLine]:
    """The lines as the use cases take them."""
    return [RequestedLine(p.product_id, p.quantity, p.price) for p in products]


def idempotency_key(key: str | None) -> str | None:
    """The key a retried request is recognised by, as sent; refused unless it is 1 to
    MAX_KEY_LENGTH visible characters."""
    if key is not None and not re.fullmatch(KEY_PATTERN, key):
        raise MalformedRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
            code="invalid_idempotency_key",
        )
    return key
