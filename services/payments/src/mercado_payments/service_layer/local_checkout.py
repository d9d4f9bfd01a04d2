"""The local provider's checkout: its Pay and Cancel buttons make the webhook call Stripe
would make, signed with the webhook secret, and send it through the same verification."""

import json
import uuid
from typing import Any

from mercado_payments.adapters.signatures import sign
from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.domain.errors import CheckoutClosed, CheckoutNotFound
from mercado_payments.domain.model import Payment, Status
from mercado_payments.service_layer import webhooks

OUTCOMES = {
    "pay": ("checkout.session.completed", "paid", "complete"),
    "cancel": ("checkout.session.expired", "unpaid", "expired"),
}


def find_checkout(uow: PaymentsUnitOfWork, session_id: str) -> Payment:
    """The payment behind a local checkout page."""
    with uow.reading() as reader:
        payment = reader.payments.for_session(session_id)
    if payment is None or payment.provider != "local":
        raise CheckoutNotFound(f"There is no checkout {session_id}.")
    return payment


def press(
    uow: PaymentsUnitOfWork,
    session_id: str,
    button: str,
    secret: str,
    *,
    now: float,
    tolerance: int,
) -> Payment:
    """Pay or cancel a local checkout through the signed webhook path."""
    payment = find_checkout(uow, session_id)
    if payment.status is not Status.OPEN:
        raise CheckoutClosed(f"This checkout is {payment.status}; nothing to pay.")
    payload = json.dumps(stripe_event(payment, button, int(now))).encode()
    received = webhooks.receive(
        uow, payload, sign(payload, secret, int(now)), secret, now=now, tolerance=tolerance
    )
    return received.payment or find_checkout(uow, session_id)


def stripe_event(payment: Payment, button: str, created: int) -> dict[str, Any]:
    """The event Stripe would send when the customer presses `button`."""
    kind, payment_status, status = OUTCOMES[button]
    session = {
        "id": payment.session_id,
        "object": "checkout.session",
        "client_reference_id": payment.order_id,
        "metadata": {"order_id": payment.order_id, "payment_id": payment.id},
        "amount_total": payment.amount_minor,
        "currency": payment.currency,
        "payment_status": payment_status,
        "status": status,
        "payment_intent": f"pi_local_{uuid.uuid4().hex}" if button == "pay" else None,
    }
    return {
        "id": f"evt_local_{uuid.uuid4().hex}",
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "data": {"object": session},
    }
