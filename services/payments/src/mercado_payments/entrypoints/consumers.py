"""What payments consumes: its queue, the fields it reads from each event, and the
handlers that map each event onto a use case inside the consumer's transaction."""

from datetime import UTC, datetime
from decimal import Decimal

from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.service_layer import checkout
from mercado_payments.service_layer.checkout import PaymentRequest
from mercado_payments.service_layer.dependencies import Dependencies
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import Queue

_ITEM = {
    "type": "object",
    "required": ["name", "quantity"],
    "properties": {"name": {"type": "string"}, "quantity": {"type": "integer"}},
}
ORDERS = Queue(
    "payments.orders",
    reads={
        "payment.requested": {
            "type": "object",
            "required": ["order_id", "customer_id", "amount", "currency", "items"],
            "properties": {
                "order_id": {"type": "string"},
                "customer_id": {"type": "string"},
                "amount": {"type": "string"},
                "currency": {"type": "string"},
                "items": {"type": "array", "items": _ITEM},
            },
        },
        "order.cancelled": {
            "type": "object",
            "required": ["order_id", "was_paid"],
            "properties": {"order_id": {"type": "string"}, "was_paid": {"type": "boolean"}},
        },
    },
)


def now() -> datetime:
    """The time payments records and schedules retries by."""
    return datetime.now(UTC)


def handlers(payments: Dependencies) -> dict[str, dict[str, Handler]]:
    """Queue to event type to handler, as the consumer dispatches them."""

    def payment_requested(event: Event, uow: PaymentsUnitOfWork) -> None:
        """Open the order's payment and its checkout link."""
        data = event.data
        asked = PaymentRequest(
            order_id=data["order_id"],
            customer_id=data["customer_id"],
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            description=", ".join(f"{i['quantity']} x {i['name']}" for i in data["items"]),
        )
        checkout.request_payment(uow, payments.provider, asked, payments.retry, now())

    def order_cancelled(event: Event, uow: PaymentsUnitOfWork) -> None:
        """Refund a paid order, close an unpaid one's checkout."""
        checkout.order_cancelled(
            uow,
            payments.provider,
            event.data["order_id"],
            was_paid=bool(event.data["was_paid"]),
            policy=payments.retry,
            now=now(),
        )

    return {
        ORDERS.name: {
            "payment.requested": payment_requested,
            "order.cancelled": order_cancelled,
        }
    }
