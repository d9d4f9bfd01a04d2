"""How the orders API answers its domain errors (the platform writes the problem+json)."""

from typing import Any

from mercado_orders.domain import errors
from mercado_platform.errors import DomainErrors, ErrorAnswer


def _lines(exc: errors.OrderRefused) -> list[dict[str, Any]]:
    """Each refused line, named as the request's products[] entry it answers."""
    return [_line(problem) for problem in exc.problems]


def _line(line: errors.LineProblem) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "field": f"products[{line.product_id}]",
        "product_id": line.product_id,
        "type": line.reason,
    }
    if line.current_price is not None:
        shown["current_price"] = str(line.current_price)
    if line.available is not None:
        shown["available"] = line.available
    return shown


ERRORS: DomainErrors = {
    errors.OrderNotFound: 404,
    errors.IllegalTransition: 409,
    errors.OrderNotEditable: 409,
    errors.CustomerInactive: 403,
    errors.IdempotencyKeyReused: 422,
    errors.CatalogueUnavailable: 503,
    errors.UnknownProducts: ErrorAnswer(422, errors=_lines),
    errors.PriceChanged: ErrorAnswer(409, errors=_lines),
    errors.InsufficientStock: ErrorAnswer(409, errors=_lines),
}
