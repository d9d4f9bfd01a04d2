"""Stock levels: the movements ledger of a product, and the availability check for orders."""

from typing import Any

from flask import Blueprint, g

from mercado_inventory.domain.errors import (
    BelowReserved,
    DuplicateProduct,
    ExceedsMaximum,
    ProductNotFound,
)
from mercado_inventory.domain.products import MovementKind
from mercado_inventory.domain.reservations import Line
from mercado_inventory.entrypoints.schemas import (
    AvailabilityCheck,
    NewMovement,
    availability_json,
    movement_json,
)
from mercado_inventory.service_layer import catalogue, stock
from mercado_inventory.service_layer.dependencies import Dependencies
from mercado_platform.auth import requires
from mercado_platform.openapi import answers
from mercado_platform.pagination import PageQuery, page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate

WRITE = "inventory:write"
blueprint = Blueprint("stock", __name__, url_prefix="/api")


@blueprint.post("/products/<id:product_id>/stock-movements")
@requires(WRITE)
@validate(body=NewMovement)
@answers(201, ProductNotFound, ExceedsMaximum, BelowReserved)
def record_movement(product_id: str, body: NewMovement) -> tuple[dict[str, Any], int]:
    """Record a receipt or an adjustment; on hand follows the ledger."""
    inventory: Dependencies = dependencies()
    movement_in = body.root
    movement = stock.record_movement(
        inventory.uow(),
        product_id,
        MovementKind(movement_in.kind),
        movement_in.quantity,
        movement_in.reason,
        g.principal.subject,
    )
    return movement_json(movement), 201


@blueprint.get("/products/<id:product_id>/stock-movements")
@requires(WRITE)
@validate(query=PageQuery)
@answers(200, ProductNotFound)
def list_movements(product_id: str, query: PageQuery) -> dict[str, Any]:
    """A product's ledger, newest first (staff only: it names who moved stock)."""
    inventory: Dependencies = dependencies()
    movements, more = catalogue.list_movements(inventory.uow(), product_id, query)
    return page_body([movement_json(movement) for movement in movements], query, more)


@blueprint.post("/stock/availability")
@validate(body=AvailabilityCheck)
@answers(200, DuplicateProduct)
def check_availability(body: AvailabilityCheck) -> dict[str, Any]:
    """Whether each line could be reserved now, with the current price; reserves nothing."""
    inventory: Dependencies = dependencies()
    lines = [Line(str(item.product_id), item.quantity) for item in body.items]
    items = [availability_json(a) for a in stock.check_availability(inventory.uow(), lines)]
    return {"available": all(item["available"] for item in items), "items": items}
