"""The order saga: how events from inventory and payments move an order along.

Each handler runs inside the consumer's unit of work (the inbox makes a redelivered
event a no-op). An event that does not fit the order's current status (duplicated,
late, or reordered) is recorded as seen and changes nothing.
"""

import logging
from collections.abc import Callable

from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.domain.model import Order, Status
from mercado_orders.service_layer import events
from mercado_orders.service_layer.ordering import now
from mercado_platform.messaging.events import Event

log = logging.getLogger(__name__)
Step = Callable[[Order, Event, OrdersUnitOfWork], None]


def on_order_event(
    step: Step, *, expects: frozenset[Status]
) -> Callable[[Event, OrdersUnitOfWork], None]:
    """A handler that locks the event's order and runs `step` if the order is in `expects`."""

    def handle(event: Event, uow: OrdersUnitOfWork) -> None:
        order = uow.orders.get(event.data["order_id"], lock=True, history=False)
        if order is None:
            log.warning("%s for unknown order %s ignored", event.type, event.data["order_id"])
            return
        if order.status in expects:
            step(order, event, uow)
        else:
            log.info("%s ignored: order %s is %s", event.type, order.id, order.status)
        uow.orders.save(order, last_event=event.type)

    handle.__name__ = step.__name__
    return handle


def for_current_lines(step: Step) -> Step:
    """Run `step` only when inventory answered for the order's current revision: the
    answer about lines the customer has since edited is superseded by the next one."""

    def run(order: Order, event: Event, uow: OrdersUnitOfWork) -> None:
        if event.data.get("revision", 1) == order.revision:
            step(order, event, uow)

    run.__name__ = step.__name__
    return run


@for_current_lines
def reserve_confirmed(order: Order, event: Event, uow: OrdersUnitOfWork) -> None:
    """Stock is held: ask for payment."""
    order.move_to(Status.AWAITING_PAYMENT, "stock reserved", now())
    uow.publish(events.payment_requested(order))


@for_current_lines
def reserve_refused(order: Order, event: Event, uow: OrdersUnitOfWork) -> None:
    """Stock could not be held: the order is rejected, and the customer told why."""
    order.move_to(Status.REJECTED, "stock rejected: " + _reasons(event), now())
    uow.publish(events.order_rejected(order, event.data["lines"]))


def reservation_expired(order: Order, event: Event, uow: OrdersUnitOfWork) -> None:
    """The reservation ran out before payment: the order is cancelled."""
    if event.data["reason"] != "expired":
        return
    order.move_to(Status.CANCELLED, "reservation expired before payment", now())
    uow.publish(events.order_cancelled(order, "reservation_expired", was_paid=False))


def link_created(order: Order, event: Event, _uow: OrdersUnitOfWork) -> None:
    """Show the customer where to pay."""
    order.payment_url = event.data["url"]


def paid(order: Order, event: Event, uow: OrdersUnitOfWork) -> None:
    """The customer paid: inventory commits the stock."""
    if order.status is Status.CANCELLED:
        # paid after cancelling (or after the reservation expired): give the money back
        order.note("paid after cancellation; refund requested", now())
        uow.publish(events.order_cancelled(order, "paid_after_cancellation", was_paid=True))
        return
    order.move_to(Status.PAID, "payment succeeded", now())
    uow.publish(events.order_paid(order))


def payment_ended(order: Order, event: Event, uow: OrdersUnitOfWork) -> None:
    """The payment failed or its link expired: the order is cancelled, stock released."""
    reason = "payment_failed" if event.type == "payment.failed" else "payment_expired"
    order.move_to(Status.CANCELLED, reason.replace("_", " "), now())
    uow.publish(events.order_cancelled(order, reason, was_paid=False))


def refunded(order: Order, event: Event, _uow: OrdersUnitOfWork) -> None:
    """Record the refund on the order's history."""
    order.note(f"payment refunded: {event.data['amount']} {event.data['currency']}", now())


def _reasons(event: Event) -> str:
    return ", ".join(f"{line['product_id']} {line['reason']}" for line in event.data["lines"])


OPEN = frozenset({Status.RECEIVED, Status.AWAITING_PAYMENT})
HANDLERS = {
    "stock.reserved": on_order_event(reserve_confirmed, expects=frozenset({Status.RECEIVED})),
    "stock.rejected": on_order_event(reserve_refused, expects=frozenset({Status.RECEIVED})),
    "stock.released": on_order_event(reservation_expired, expects=OPEN),
    "payment.link_created": on_order_event(link_created, expects=OPEN),
    "payment.succeeded": on_order_event(
        paid, expects=frozenset({Status.AWAITING_PAYMENT, Status.CANCELLED})
    ),
    "payment.failed": on_order_event(payment_ended, expects=OPEN),
    "payment.expired": on_order_event(payment_ended, expects=OPEN),
    "payment.refunded": on_order_event(refunded, expects=frozenset(Status)),
}
