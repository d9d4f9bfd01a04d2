"""Provider events in: verified, applied once per event id, turned into our events."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from mercado_payments.adapters.repository import PaymentRepository
from mercado_payments.adapters.signatures import verify
from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.domain.errors import MalformedEvent
from mercado_payments.domain.model import Payment
from mercado_payments.service_layer import events
from mercado_platform.messaging.tracing import continuing

log = logging.getLogger(__name__)
PAID = frozenset({"paid", "no_payment_required"})


@dataclass(frozen=True)
class ProviderEvent:
    """The part of a Stripe event we act on."""

    id: str
    type: str
    object: dict[str, Any]


class Received(NamedTuple):
    """What came of an event: applied, ignored or duplicate, and the payment it names as
    it stands after it (None when it names none of ours, or was seen before)."""

    outcome: str
    payment: Payment | None = None


def receive(
    uow: PaymentsUnitOfWork,
    payload: bytes,
    signature: str | None,
    secret: str,
    *,
    now: float,
    tolerance: int,
) -> Received:
    """Verify and apply one webhook call."""
    verify(payload, signature, secret, now=now, tolerance=tolerance)
    event = parse(payload)
    with uow:
        if not uow.payments.first_sight(event.id, event.type):
            return Received("duplicate")
        received = apply(uow, event)
        uow.commit()
    return received


def parse(payload: bytes) -> ProviderEvent:
    """The event in a verified payload; MalformedEvent when it is not one."""
    try:
        document = json.loads(payload)
        event = ProviderEvent(document["id"], document["type"], document["data"]["object"])
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedEvent(f"The payload is not a Stripe event: {exc}") from None
    if not (isinstance(event.id, str) and event.id and isinstance(event.type, str)):
        raise MalformedEvent("The event needs a string id and type.")
    if not isinstance(event.object, dict):
        raise MalformedEvent("The event's data.object must be an object.")
    return event


def apply(uow: PaymentsUnitOfWork, event: ProviderEvent) -> Received:
    """Move the event's payment along; unknown types and payments are ignored (Stripe
    would retry anything but a 2xx)."""
    rule = RULES.get(event.type)
    if rule is None:
        return Received("ignored")
    find, change = rule
    repository = uow.payments
    payment = find(repository, event.object)
    if payment is None:
        log.warning("%s %s names no payment of ours; ignored", event.type, event.id)
        return Received("ignored")
    # the webhook is a request of its own: what it does goes on in the order's trace
    with continuing(repository.traceparent_of(payment.id), f"webhook {event.type}"):
        published = change(payment, event.object)
        repository.save(payment)
        if published is None:
            return Received("ignored", payment)
        uow.publish(published)
    return Received("applied", payment)


def _by_session(repository: PaymentRepository, session: dict[str, Any]) -> Payment | None:
    order_id = session.get("client_reference_id") or _metadata(session).get("order_id")
    payment = repository.for_order(str(order_id), lock=True) if order_id else None
    if payment is None or payment.session_id != session.get("id"):
        return None
    return payment


def _by_charge(repository: PaymentRepository, charge: dict[str, Any]) -> Payment | None:
    intent = charge.get("payment_intent")
    payment = repository.for_payment_intent(str(intent), lock=True) if intent else None
    order_id = _metadata(charge).get("order_id")
    if payment is None and order_id:
        payment = repository.for_order(str(order_id), lock=True)
    return payment


def _completed(payment: Payment, session: dict[str, Any]) -> Any:
    if session.get("payment_status") not in PAID:
        return None  # an async method: async_payment_succeeded or _failed comes later
    return _async_succeeded(payment, session)


def _async_succeeded(payment: Payment, session: dict[str, Any]) -> Any:
    intent = session.get("payment_intent")
    return events.succeeded(payment) if payment.paid(str(intent) if intent else None) else None


def _expired(payment: Payment, _session: dict[str, Any]) -> Any:
    return events.expired(payment) if payment.expired() else None


def _failed(payment: Payment, _session: dict[str, Any]) -> Any:
    return events.failed(payment) if payment.fail("async_payment_failed") else None


def _refunded(payment: Payment, charge: dict[str, Any]) -> Any:
    if charge.get("refunded") is not True:
        return None  # a partial refund made at Stripe: not the order's refund
    return events.refunded(payment) if payment.refunded(None) else None


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


Finder = Callable[[PaymentRepository, dict[str, Any]], Payment | None]
Change = Callable[[Payment, dict[str, Any]], Any]
RULES: dict[str, tuple[Finder, Change]] = {
    "checkout.session.completed": (_by_session, _completed),
    "checkout.session.async_payment_succeeded": (_by_session, _async_succeeded),
    "checkout.session.expired": (_by_session, _expired),
    "checkout.session.async_payment_failed": (_by_session, _failed),
    "charge.refunded": (_by_charge, _refunded),
}
