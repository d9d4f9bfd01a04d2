"""Stock levels: the movements ledger of a product, and the availability check for orders."""

from typing import Any

from flask import Blueprint, g

from mercado_inventory.adapters.ledger import MOVEMENT, Ledger
from mercado_inventory.domain.products import MovementKind
from mercado_inventory.domain.reservations import Line
from mercado_inventory.entrypoints.errors import answer_domain_errors
from mercado_inventory.entrypoints.schemas import AvailabilityCheck, NewMovement, movement_json
from mercado_inventory.service_layer import catalogue, stock
from mercado_platform.auth import requires
from mercado_platform.pagination import PageQuery, fetch_page, page_body
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate

WRITE = "inventory:write"


def stock_blueprint() -> Blueprint:
    """The stock routes."""
    blueprint = Blueprint("stock", __name__, url_prefix="/api")

    @blueprint.post("/products/<product_id>/stock-movements")
    @requires(WRITE)
    @validate(body=NewMovement)
    def record_movement(product_id: str, body: NewMovement) -> tuple[dict[str, Any], int]:
        """Record a receipt or an adjustment; on hand follows the ledger."""
        with unit_of_work() as uow:
            movement = stock.record_movement(
                uow,
                product_id,
                MovementKind(body.kind),
                body.quantity,
                body.reason,
                g.principal.subject,
            )
        return movement_json(movement), 201

    @blueprint.get("/products/<product_id>/stock-movements")
    @requires(WRITE)
    @validate(query=PageQuery)
    def list_movements(product_id: str, query: PageQuery) -> dict[str, Any]:
        """A product's ledger, newest first (staff only: it names who moved stock)."""
        with unit_of_work().reading() as uow:
            product = catalogue.get_product(uow, product_id)
            statement = Ledger(uow.session).of_product(product.id)
            rows, more = fetch_page(uow.session, statement, query, rows=True)
        return page_body([movement_json(movement) for movement in MOVEMENT.all(rows)], query, more)

    @blueprint.post("/stock/availability")
    @validate(body=AvailabilityCheck)
    def check_availability(body: AvailabilityCheck) -> dict[str, Any]:
        """Whether each line could be reserved now, with the current price; reserves nothing."""
        lines = [Line(str(item.product_id), item.quantity) for item in body.items]
        with unit_of_work().reading() as uow:
            answers = stock.check_availability(uow, lines)
        items = [
            {
                "product_id": answer.line.product_id,
                "quantity": answer.line.quantity,
                "available": answer.shortfall is None,
                "available_quantity": answer.product.available if answer.product else 0,
                "name": answer.product.name if answer.product else None,
                "price": str(answer.product.price) if answer.product else None,
                "reason": str(answer.shortfall.reason) if answer.shortfall else None,
            }
            for answer in answers
        ]
        return {"available": all(item["available"] for item in items), "items": items}

    return answer_domain_errors(blueprint)
