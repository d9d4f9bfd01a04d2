"""The events the inventory publishes, built from domain objects as their contracts say."""

from collections.abc import Iterable, Mapping

from mercado_inventory.domain.products import Product
from mercado_inventory.domain.reservations import Line, Reservation, Shortfall
from mercado_platform.db import UnitOfWork
from mercado_platform.messaging.events import Event

SOURCE = "/mercado/inventory"


def product_changed(event_type: str, product: Product) -> Event:
    """`product.created` or `product.updated`: the product's full catalogue data."""
    data = {
        "product_id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": str(product.price),
        "active": product.active,
    }
    return Event(event_type, data, SOURCE, subject=product.id)


def product_deleted(product: Product) -> Event:
    """`product.deleted`."""
    data = {"product_id": product.id, "sku": product.sku}
    return Event("product.deleted", data, SOURCE, subject=product.id)


def stock_reserved(reservation: Reservation) -> Event:
    """`stock.reserved`: every line held until `expires_at`."""
    data = {
        "order_id": reservation.order_id,
        "lines": _lines(reservation.lines),
        "expires_at": reservation.expires_at.isoformat() if reservation.expires_at else None,
        "revision": reservation.revision,
    }
    return Event("stock.reserved", data, SOURCE, subject=reservation.order_id)


def stock_rejected(order_id: str, shortfalls: Iterable[Shortfall], revision: int = 1) -> Event:
    """`stock.rejected`: nothing reserved; each failing line says why."""
    lines = [
        {
            "product_id": s.product_id,
            "requested": s.requested,
            "available": s.available,
            "reason": str(s.reason),
        }
        for s in shortfalls
    ]
    data = {"order_id": order_id, "lines": lines, "revision": revision}
    return Event("stock.rejected", data, SOURCE, subject=order_id)


def stock_released(reservation: Reservation, reason: str) -> Event:
    """`stock.released` because the order was cancelled or its reservation expired."""
    data = {"order_id": reservation.order_id, "reason": reason, "lines": _lines(reservation.lines)}
    return Event("stock.released", data, SOURCE, subject=reservation.order_id)


def stock_committed(reservation: Reservation) -> Event:
    """`stock.committed`: a paid order's lines left the shelf."""
    data = {"order_id": reservation.order_id, "lines": _lines(reservation.lines)}
    return Event("stock.committed", data, SOURCE, subject=reservation.order_id)


def publish_low_stock(
    uow: UnitOfWork, products: Iterable[Product], were_low: Mapping[str, bool]
) -> None:
    """Publish `stock.low` for each product that has just fallen below its minimum."""
    for product in products:
        if product.is_low and not were_low.get(product.id, False):
            data = {
                "product_id": product.id,
                "sku": product.sku,
                "name": product.name,
                "available": product.available,
                "minimum": product.minimum,
            }
            uow.publish(Event("stock.low", data, SOURCE, subject=product.id))


def _lines(lines: Iterable[Line]) -> list[dict[str, object]]:
    return [{"product_id": line.product_id, "quantity": line.quantity} for line in lines]
