"""The events orders publishes, built from the order they describe."""

from typing import Any

from mercado_orders.domain.model import Order
from mercado_platform.messaging.events import Event
from mercado_platform.money import money

SOURCE = "/mercado/orders"


def _event(kind: str, order: Order, **data: Any) -> Event:
    return Event(
        kind,
        {"order_id": order.id, "customer_id": order.customer_id, **data},
        SOURCE,
        subject=order.id,
    )


def order_placed(order: Order) -> Event:
    """Inventory reserves these lines, all or none."""
    items = [
        {
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price, order.currency),
            "line_total": money(line.line_total, order.currency),
        }
        for line in order.lines
    ]
    return _event(
        "order.placed",
        order,
        items=items,
        total=money(order.total, order.currency),
        currency=order.currency,
        revision=order.revision,
    )


def payment_requested(order: Order) -> Event:
    """Payments creates the link for this amount."""
    items = [
        {
            "product_id": line.product_id,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price, order.currency),
        }
        for line in order.lines
    ]
    amount = money(order.total, order.currency)
    return _event("payment.requested", order, amount=amount, currency=order.currency, items=items)


def order_paid(order: Order) -> Event:
    """Inventory commits the reservation."""
    total = money(order.total, order.currency)
    return _event("order.paid", order, total=total, currency=order.currency)


def order_cancelled(order: Order, reason: str, *, was_paid: bool) -> Event:
    """Inventory releases the stock; payments refunds when it was paid."""
    return _event("order.cancelled", order, reason=reason, was_paid=was_paid)


def order_rejected(order: Order, lines: list[dict[str, Any]]) -> Event:
    """The customer is told why their order could not be served."""
    return _event("order.rejected", order, lines=lines)
