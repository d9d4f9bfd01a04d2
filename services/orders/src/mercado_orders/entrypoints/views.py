"""How orders look in JSON, and the one place domain errors become HTTP answers."""

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mercado_orders.domain import errors
from mercado_orders.domain.model import Order
from mercado_orders.service_layer.events import money
from mercado_platform.errors import problem

STATUS_OF = {
    errors.OrderNotFound: (404, "order_not_found"),
    errors.IllegalTransition: (409, "illegal_transition"),
    errors.OrderNotEditable: (409, "order_not_editable"),
    errors.CustomerInactive: (403, "customer_inactive"),
    errors.IdempotencyKeyReused: (422, "idempotency_key_reused"),
    errors.CatalogueUnavailable: (503, "catalogue_unavailable"),
    errors.UnknownProducts: (422, "unknown_product"),
    errors.PriceChanged: (409, "price_changed"),
    errors.InsufficientStock: (409, "insufficient_stock"),
}


def register_domain_errors(blueprint: Blueprint) -> None:
    """Answer every orders domain error with its status and stable code."""

    @blueprint.errorhandler(errors.OrdersError)
    def domain_error(exc: errors.OrdersError) -> ResponseReturnValue:
        status, code = STATUS_OF[type(exc)]
        lines = (
            [_problem(p) for p in exc.problems] if isinstance(exc, errors.OrderRefused) else None
        )
        return problem(status, code, str(exc), errors=lines)


def _problem(line: errors.LineProblem) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "field": f"products[{line.product_id}]",
        "product_id": line.product_id,
        "type": line.reason,
    }
    if line.current_price is not None:
        shown["current_price"] = money(line.current_price)
    if line.available is not None:
        shown["available"] = line.available
    return shown


def _lines(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "product_id": line.product_id,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price),
            "line_total": money(line.line_total),
        }
        for line in order.lines
    ]


def summary(_row: Any, order: Order) -> dict[str, Any]:
    """An order in a listing."""
    return {
        "order_id": order.id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "total": money(order.total),
        "currency": order.currency,
        "created_at": order.created_at.isoformat(),
        "items": _lines(order),
    }


def stuck(row: Any, order: Order) -> dict[str, Any]:
    """An order in the stuck listing: since when, and the last event it saw."""
    return {
        **summary(row, order),
        "status_since": row.status_since.isoformat(),
        "last_event": row.last_event,
    }


def detail(order: Order) -> dict[str, Any]:
    """One order in full: lines, totals, payment link, status history."""
    return {
        **summary(None, order),
        "payment_url": order.payment_url,
        "history": [
            {"status": change.status.value, "cause": change.cause, "at": change.at.isoformat()}
            for change in order.history
        ],
    }
