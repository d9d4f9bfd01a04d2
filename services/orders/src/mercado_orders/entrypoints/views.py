"""How orders look in JSON."""

from typing import Any

from mercado_orders.adapters.repository import Listed
from mercado_orders.domain.model import Order
from mercado_platform.money import money


def _lines(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "product_id": line.product_id,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price, order.currency),
            "line_total": money(line.line_total, order.currency),
        }
        for line in order.lines
    ]


def summary(order: Order) -> dict[str, Any]:
    """An order in a listing."""
    return {
        "order_id": order.id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "total": money(order.total, order.currency),
        "currency": order.currency,
        "created_at": order.created_at.isoformat(),
        "items": _lines(order),
    }


def stuck(listed: Listed) -> dict[str, Any]:
    """An order in the stuck listing: since when, and the last event it saw."""
    return {
        **summary(listed.order),
        "status_since": listed.status_since.isoformat(),
        "last_event": listed.last_event,
    }


def detail(order: Order) -> dict[str, Any]:
    """One order in full: lines, totals, payment link, status history."""
    return {
        **summary(order),
        "payment_url": order.payment_url,
        "history": [
            {"status": change.status.value, "cause": change.cause, "at": change.at.isoformat()}
            for change in order.history
        ],
    }
