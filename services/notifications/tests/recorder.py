"""The consumer's handlers and the deliverer's use case called in the test's own process,
against the real database and SMTP sink, for tests that need a filled notification log."""

from dataclasses import replace

from mercado_notifications.adapters.smtp import SmtpMailer
from mercado_notifications.bootstrap import SPEC, build
from mercado_notifications.config import Settings
from mercado_notifications.entrypoints import consumers
from mercado_notifications.service_layer.delivery import deliver_next
from mercado_platform.db import Database
from mercado_platform.messaging.events import Event


class Recorder:
    """Events handed to the consumer's handlers, then delivered to the SMTP sink."""

    def __init__(self, database: Database, settings: Settings, sink) -> None:
        self.database = database
        self.units = SPEC.units(database)
        wired = build(settings, self.units)
        queues = consumers.handlers(wired)
        self.handlers = {**queues[consumers.MAIL.name], **queues[consumers.CUSTOMERS.name]}
        self.delivery = replace(wired.delivery, mailer=SmtpMailer(sink.host, sink.port, timeout=5))

    def event(self, kind: str, **data) -> Event:
        event = Event(kind, data, "/mercado/test")
        with self.units() as uow:
            self.handlers[kind](event, uow)
            uow.commit()
        return event

    def customer(self, customer_id: str, email: str) -> None:
        self.event(
            "customer.registered", customer_id=customer_id, login=email, email=email, full_name="X"
        )

    def deliver_all(self) -> list:
        """Try everything due; returns the notifications as tried."""
        tried = []
        while (note := deliver_next(self.units(), self.delivery)) is not None:
            tried.append(note)
        return tried
