"""Request and query shapes of the orders API."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mercado_orders.domain.model import Status
from mercado_platform.pagination import PageQuery
from mercado_platform.validation import ApiModel

MAX_LINES = 50
MAX_QUANTITY = 10_000


def one_line_per_product(products: list["ProductLine"]) -> list["ProductLine"]:
    """Refuse two lines for the same product."""
    ids = [line.product_id for line in products]
    if len(set(ids)) != len(ids):
        raise ValueError("each product may appear on one line only; add up the quantities")
    return products


class ProductLine(ApiModel):
    """One line of an order: the product, how many, and the price the customer saw."""

    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


PLACE_ORDER_EXAMPLE = {
    "customer_id": "123456",
    "products": [
        {"product_id": "789", "quantity": 2, "price": 19.99},
        {"product_id": "456", "quantity": 1, "price": 29.99},
    ],
}
PLACED_EXAMPLE = {
    "order_id": "987654",
    "status": "received",
    "message": "Order successfully placed.",
}


class OrderPlaced(BaseModel):
    """The answer to `POST /api/orders` (a retry with the same Idempotency-Key gets the
    first one again)."""

    model_config = ConfigDict(extra="forbid")

    order_id: str
    status: str
    message: str


class PlaceOrderBody(ApiModel):
    """The body of `POST /api/orders`: who orders, and the lines."""

    customer_id: str = Field(min_length=1, max_length=64)
    products: list[ProductLine] = Field(min_length=1, max_length=MAX_LINES)

    _distinct = field_validator("products")(one_line_per_product)


class EditOrderBody(ApiModel):
    """New lines for an order still `received`."""

    products: list[ProductLine] = Field(min_length=1, max_length=MAX_LINES)

    _distinct = field_validator("products")(one_line_per_product)


class OrdersQuery(PageQuery):
    """Filters of `GET /api/orders`."""

    status: Status | None = None
    customer_id: str | None = Field(None, max_length=64)
    created_from: datetime | None = None
    created_to: datetime | None = None


class StuckQuery(PageQuery):
    """Filters of `GET /api/orders/stuck`."""

    older_than_seconds: int = Field(600, ge=0, le=30 * 24 * 3600)
    status: Status | None = None
