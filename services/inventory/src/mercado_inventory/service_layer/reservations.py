"""Use cases of reservations, driven by orders' events and by the expiry clock.

`reserve`, `cancel` and `commit` run inside the consumer's unit of work, which commits
them together with the inbox row of the message; `expire_due` commits each expiry.

Concurrency: every use case first claims or locks the order's reservation row, then
locks the products it touches with SELECT ... FOR UPDATE in ascending id order, and
decides with the locked, current stock in hand. Row locks rather than conditional
updates because an order is all or nothing across lines and a rejection must say, per
line, what was available; one consistent lock order means no deadlocks between orders.
(The consumer may apply a backlog of orders in one transaction: two consumers' batches can
then lock in conflicting orders; PostgreSQL aborts one and its orders are applied one by one.)
"""

import logging
from datetime import UTC, datetime, timedelta

from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_inventory.domain.errors import CannotCommit, ReservationNotFound
from mercado_inventory.domain.products import Product
from mercado_inventory.domain.reservations import Line, Reservation, Status, allocate
from mercado_inventory.service_layer import events
from mercado_platform.db import UnitsOfWork

log = logging.getLogger(__name__)


def reserve(
    uow: InventoryUnitOfWork, order_id: str, lines: list[Line], ttl: timedelta, revision: int = 1
) -> None:
    """Reserve every line of the order or none. An order already decided changes nothing,
    unless this is a newer revision of its lines (the customer edited it), which replaces
    the earlier answer: what the earlier revision held is released in the same step."""
    reservations = uow.reservations
    previous = None
    if not reservations.claim(order_id, Status.PENDING, revision):
        previous = reservations.lock(order_id)
        if not _superseded(previous, revision):
            log.info("order %s already has a reservation; order.placed changes nothing", order_id)
            return
    held = previous.lines if previous and previous.status is Status.RESERVED else []
    written = "first" if previous is None else "replaced"
    products, were_low = _lock_products(uow, [*held, *lines])
    for line in held:
        products[line.product_id].release(line.quantity)
    shortfalls = allocate(products, lines)
    if shortfalls:
        uow.products.save_stock(products.values())
        rejected = Reservation(order_id, Status.REJECTED, revision=revision)
        reservations.save(rejected, lines=written)
        uow.publish(events.stock_rejected(order_id, shortfalls, revision))
        return
    reservation = Reservation(order_id, Status.RESERVED, lines, datetime.now(UTC) + ttl, revision)
    uow.products.save_stock(products.values())
    reservations.save(reservation, lines=written)
    uow.publish(events.stock_reserved(reservation))
    events.publish_low_stock(uow, products.values(), were_low)


def _superseded(previous: Reservation | None, revision: int) -> bool:
    """True when `revision` is newer than an answer that can still be replaced."""
    return (
        previous is not None
        and previous.revision < revision
        and previous.status in (Status.RESERVED, Status.REJECTED)
    )


def cancel(uow: InventoryUnitOfWork, order_id: str) -> None:
    """Release a cancelled order's reservation; a paid order cancelled before it left
    puts its stock back on the shelf through a `return` movement."""
    reservations = uow.reservations
    if reservations.claim(order_id, Status.CANCELLED):
        log.info(
            "order %s cancelled before it was reserved; a late order.placed is ignored", order_id
        )
        return
    reservation = reservations.lock(order_id)
    if reservation is None or reservation.status not in (Status.RESERVED, Status.COMMITTED):
        log.info(
            "order %s cancelled while %s: nothing to release",
            order_id,
            reservation and reservation.status,
        )
        return
    if reservation.status is Status.COMMITTED:
        _take_back(uow, reservation)
    else:
        _release(uow, reservation, Status.CANCELLED)


def _take_back(uow: InventoryUnitOfWork, reservation: Reservation) -> None:
    products, _ = _lock_products(uow, reservation.lines)
    movements = [
        products[line.product_id].take_back(line.quantity, reservation.order_id)
        for line in reservation.lines
    ]
    uow.products.save_stock(products.values())
    uow.ledger.record(movements)
    reservation.status = Status.CANCELLED
    uow.reservations.save(reservation)
    uow.publish(events.stock_released(reservation, "cancelled"))


def commit(uow: InventoryUnitOfWork, order_id: str) -> None:
    """A paid order's reservation leaves the shelf: on hand and reserved both decrease.

    Paid after its reservation expired, the order takes the stock again if it is still
    available; otherwise, and for an order never reserved, rejected or cancelled, this
    raises, so the message is retried and then dead-lettered for staff to see.
    """
    reservations = uow.reservations
    reservation = reservations.lock(order_id)
    if reservation is None:
        raise ReservationNotFound(f"order {order_id} was paid but has no reservation (yet)")
    if reservation.status is Status.COMMITTED:
        log.info("order %s already committed; order.paid changes nothing", order_id)
        return
    if reservation.status not in (Status.RESERVED, Status.EXPIRED):
        raise CannotCommit(f"order {order_id} was paid but its reservation is {reservation.status}")
    products, were_low = _lock_products(uow, reservation.lines)
    if reservation.status is Status.EXPIRED and (
        shortfalls := allocate(products, reservation.lines)
    ):
        missing = ", ".join(
            f"{s.product_id} ({s.reason}, {s.available} available)" for s in shortfalls
        )
        raise CannotCommit(f"order {order_id} was paid after its reservation expired: {missing}")
    movements = [
        products[line.product_id].sell(line.quantity, order_id) for line in reservation.lines
    ]
    uow.products.save_stock(products.values())
    uow.ledger.record(movements)
    reservation.status = Status.COMMITTED
    reservations.save(reservation)
    uow.publish(events.stock_committed(reservation))
    events.publish_low_stock(uow, products.values(), were_low)


def expire_due(units: UnitsOfWork[InventoryUnitOfWork]) -> int:
    """Release every reservation past its expiry, one transaction each; returns how many."""
    expired = 0
    while _expire_next(units()):
        expired += 1
    return expired


def _expire_next(uow: InventoryUnitOfWork) -> bool:
    """Release one reservation past its expiry; False when none is due."""
    with uow:
        reservation = uow.reservations.lock_next_due()
        if reservation is None:
            return False
        _release(uow, reservation, Status.EXPIRED)
        uow.commit()
    return True


def _release(uow: InventoryUnitOfWork, reservation: Reservation, status: Status) -> None:
    products, _ = _lock_products(uow, reservation.lines)
    for line in reservation.lines:
        products[line.product_id].release(line.quantity)
    uow.products.save_stock(products.values())
    reservation.status = status
    uow.reservations.save(reservation)
    uow.publish(events.stock_released(reservation, str(status)))


def _lock_products(
    uow: InventoryUnitOfWork, lines: list[Line]
) -> tuple[dict[str, Product], dict[str, bool]]:
    products = uow.products.lock(line.product_id for line in lines)
    return products, {product.id: product.is_low for product in products.values()}
