"""The inventory API's request models and JSON shapes."""

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PlainSerializer, RootModel

from mercado_inventory.domain.products import Movement, Product
from mercado_inventory.service_layer.stock import Availability
from mercado_platform.pagination import PageQuery
from mercado_platform.validation import ApiModel

PRICE_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
CENTS = Decimal("0.01")


def _cents(text: str) -> Decimal:
    return Decimal(text).quantize(CENTS)


# a decimal string ("19.99"), checked as text by its pattern, then read exactly
Price = Annotated[
    str, Field(pattern=PRICE_PATTERN), AfterValidator(_cents), PlainSerializer(lambda cents: cents)
]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=5000)]
Limit = Annotated[int, Field(ge=0, le=1_000_000_000)]
Quantity = Annotated[int, Field(ge=1, le=1_000_000_000)]


class NewProduct(ApiModel):
    """POST /api/products."""

    sku: Sku
    name: Name
    price: Price
    description: Description = ""
    active: bool = True
    minimum: Limit | None = None
    maximum: Limit | None = None


class ProductChanges(ApiModel):
    """PATCH /api/products/{id}: only the fields sent change; null clears a limit (the
    other fields take no null: leave them out to keep them)."""

    sku: Sku = Field(None)
    name: Name = Field(None)
    price: Price = Field(None)
    description: Description = Field(None)
    active: bool = Field(None)
    minimum: Limit | None = None
    maximum: Limit | None = None


class ProductQuery(PageQuery):
    """GET /api/products: paging, a name/sku search and filters."""

    q: str | None = Field(None, min_length=1, max_length=100, description="in name or sku")
    available: bool | None = Field(None, description="true: some available; false: none")
    active: bool | None = None


class Receipt(ApiModel):
    """Stock received: a positive quantity."""

    kind: Literal["receipt"]
    quantity: int = Field(ge=1, le=1_000_000_000)
    reason: str = Field(min_length=1, max_length=500)


class Adjustment(ApiModel):
    """A correction of on hand, up or down (never zero)."""

    kind: Literal["adjustment"]
    quantity: (
        Annotated[int, Field(ge=-1_000_000_000, le=-1)]
        | Annotated[int, Field(ge=1, le=1_000_000_000)]
    )
    reason: str = Field(min_length=1, max_length=500)


class NewMovement(RootModel[Annotated[Receipt | Adjustment, Field(discriminator="kind")]]):
    """POST /api/products/{id}/stock-movements: a receipt or a signed adjustment."""


class AvailabilityLine(ApiModel):
    product_id: uuid.UUID
    quantity: Quantity


class AvailabilityCheck(ApiModel):
    """POST /api/stock/availability."""

    items: list[AvailabilityLine] = Field(min_length=1, max_length=100)


def product_json(product: Product) -> dict[str, Any]:
    """A product as the API shows it; price as a decimal string."""
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": str(product.price),
        "active": product.active,
        "on_hand": product.on_hand,
        "reserved": product.reserved,
        "available": product.available,
        "minimum": product.minimum,
        "maximum": product.maximum,
        "created_at": product.created_at.isoformat() if product.created_at else None,
        "updated_at": product.updated_at.isoformat() if product.updated_at else None,
    }


def movement_json(movement: Movement) -> dict[str, Any]:
    """A ledger entry as the API shows it."""
    return {
        "id": movement.id,
        "product_id": movement.product_id,
        "kind": str(movement.kind),
        "quantity": movement.quantity,
        "on_hand_after": movement.on_hand_after,
        "reason": movement.reason,
        "actor": movement.actor,
        "order_id": movement.order_id,
        "created_at": movement.created_at.isoformat() if movement.created_at else None,
    }


def availability_json(answer: Availability) -> dict[str, Any]:
    """One line of the availability check's answer."""
    product = answer.product
    return {
        "product_id": answer.line.product_id,
        "quantity": answer.line.quantity,
        "available": answer.shortfall is None,
        "available_quantity": product.available if product else 0,
        "name": product.name if product else None,
        "price": str(product.price) if product else None,
        "reason": str(answer.shortfall.reason) if answer.shortfall else None,
    }
