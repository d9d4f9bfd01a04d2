"""What customers and staff do to existing orders: edit, cancel, fulfil, retry a stuck step."""

from collections.abc import Iterator
from contextlib import contextmanager

from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.domain.errors import IllegalTransition, OrderNotFound
from mercado_orders.domain.model import Order, Status
from mercado_orders.domain.pricing import RequestedLine, price_lines
from mercado_orders.service_layer import events
from mercado_orders.service_layer.ordering import Availability, catalogue_for, now
from mercado_platform.auth import Caller


@contextmanager
def changing(uow: OrdersUnitOfWork, order_id: str, caller: Caller) -> Iterator[Order]:
    """The caller's order, locked; what the block does to it is saved and committed with
    whatever it published, or nothing is if the block raises."""
    with uow:
        order = uow.orders.get(order_id, lock=True)
        if order is None or not caller.may_see(order.customer_id):
            raise OrderNotFound(order_id)
        yield order
        uow.orders.save(order)
        uow.commit()


def edit_order(
    uow: OrdersUnitOfWork,
    order_id: str,
    lines: list[RequestedLine],
    caller: Caller,
    availability: Availability,
) -> Order:
    """Change what a `received` order holds; it is placed again as its next revision, and
    inventory replaces the reservation of the previous one."""
    checked = availability(lines)
    with changing(uow, order_id, caller) as order:
        order.replace_lines(price_lines(lines, catalogue_for(uow, lines, checked)))
        order.note(f"items changed (revision {order.revision})", now())
        uow.publish(events.order_placed(order))
    return order


def cancel_order(uow: OrdersUnitOfWork, order_id: str, caller: Caller) -> Order:
    """Cancel an order that is not yet completed; a paid one is refunded."""
    with changing(uow, order_id, caller) as order:
        was_paid = order.status is Status.PAID
        who = "customer" if order.customer_id == caller.subject else "staff"
        order.move_to(Status.CANCELLED, f"cancelled by {who}", now())
        uow.publish(events.order_cancelled(order, f"cancelled_by_{who}", was_paid=was_paid))
    return order


def fulfil_order(uow: OrdersUnitOfWork, order_id: str, caller: Caller) -> Order:
    """Staff shipped a paid order: it is completed."""
    with changing(uow, order_id, caller) as order:
        order.move_to(Status.COMPLETED, f"fulfilled by {caller.subject}", now())
    return order


def retry_step(uow: OrdersUnitOfWork, order_id: str, caller: Caller) -> Order:
    """Publish again the event an order waits on (its reservation or its payment link)."""
    with changing(uow, order_id, caller) as order:
        if order.status is Status.RECEIVED:
            uow.publish(events.order_placed(order))
        elif order.status is Status.AWAITING_PAYMENT:
            uow.publish(events.payment_requested(order))
        else:
            raise IllegalTransition(order.id, order.status, "retried")
        order.note(f"step retried by {caller.subject}", now())
    return order
