"""Deliver the notification due first: address it, render it, hand it to the mail server,
and record how that went, in one transaction that holds the row against other deliverers."""

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from typing import Protocol

from mercado_notifications.adapters.templates import compose, render
from mercado_notifications.adapters.unit_of_work import NotificationsUnitOfWork
from mercado_notifications.domain.errors import DeliveryFailed
from mercado_notifications.domain.model import Audience, Customer, Notification, RetryPolicy
from mercado_platform.db import UnitsOfWork
from mercado_platform.messaging.tracing import continuing

log = logging.getLogger(__name__)


class Mailer(Protocol):
    """Something that sends a message or raises DeliveryFailed."""

    def send(self, message: Message) -> None:
        """Hand `message` over for delivery."""
        ...

    def session(self) -> AbstractContextManager[None]:
        """A block whose messages may share one connection."""
        ...


@dataclass(frozen=True)
class Delivery:
    """What delivering needs: the mail server, the retry policy, the sender address."""

    mailer: Mailer
    policy: RetryPolicy
    sender: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def deliver_due(
    units: UnitsOfWork[NotificationsUnitOfWork], delivery: Delivery, stop: threading.Event
) -> int:
    """Try every notification due now, one transaction each, over one connection to the
    mail server, until none is left or `stop` is set; returns how many were tried."""
    tried = 0
    with delivery.mailer.session():
        while not stop.is_set() and deliver_next(units(), delivery) is not None:
            tried += 1
    return tried


def deliver_next(uow: NotificationsUnitOfWork, delivery: Delivery) -> Notification | None:
    """Try the notification due first; None when nothing is due."""
    with uow:
        claimed = uow.notifications.claim_due(delivery.clock())
        if claimed is None:
            return None
        note, customer, traceparent = claimed
        with continuing(traceparent, f"send e-mail {note.event_type}"):
            _attempt(note, customer, delivery)
        uow.notifications.save(note)
        uow.commit()
    log.info(
        "notification %s (%s) %s after %d attempt(s)",
        note.id,
        note.event_type,
        note.status,
        note.attempts,
        extra={"notification_id": note.id, "last_error": note.last_error},
    )
    return note


def _attempt(note: Notification, customer: Customer | None, delivery: Delivery) -> None:
    name = None
    if note.audience is Audience.CUSTOMER:
        if customer is None:
            note.recipient_unknown(delivery.policy, delivery.clock())
            return
        if not customer.reachable:
            note.skip("the customer deleted their account", delivery.clock())
            return
        note.recipient, name = customer.email, customer.full_name
    _send(note, name, delivery)


def _send(note: Notification, name: str | None, delivery: Delivery) -> None:
    try:
        mail = render(note.event_type, {"data": note.data, "person": name})
        note.subject = mail.subject
        message = compose(
            mail,
            sender=delivery.sender,
            recipient=note.recipient or "",
            name=name,
            reference=note.id,
        )
        delivery.mailer.send(message)
    except DeliveryFailed as exc:
        note.delivery_failed(
            str(exc), permanent=exc.permanent, policy=delivery.policy, now=delivery.clock()
        )
    except Exception as exc:  # a template or address that cannot work: retrying will not help
        log.exception("cannot compose notification %s", note.id)
        failure = f"cannot compose the e-mail: {type(exc).__name__}: {exc}"
        note.delivery_failed(failure, permanent=True, policy=delivery.policy, now=delivery.clock())
    else:
        note.sent(mail.subject, delivery.clock())
