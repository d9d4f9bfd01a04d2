"""The consumer's handlers and the deliverer's use case called in the test's own process,
against the real database and SMTP sink, for tests that need a filled notification log."""

from mercado_notifications.adapters.smtp import SmtpMailer
from mercado_notifications.config import Settings
from mercado_notifications.service_layer import customers
from mercado_notifications.service_layer.delivery import Delivery, deliver_next
from mercado_notifications.service_layer.recording import MailEvents
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.messaging.events import Event


class Recorder:
    """Events handed to the consumer's handlers, then delivered to the SMTP sink."""

    def __init__(self, database: Database, settings: Settings, sink) -> None:
        self.database = database
        self.handlers = {**MailEvents(settings).handlers(), **customers.HANDLERS}
        mailer = SmtpMailer(sink.host, sink.port, timeout=5)
        self.delivery = Delivery(mailer, settings.retry_policy(), settings.mail_from)

    def event(self, kind: str, **data) -> Event:
        event = Event(kind, data, "/mercado/test")
        with UnitOfWork(self.database) as uow:
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
        while (note := deliver_next(UnitOfWork(self.database), self.delivery)) is not None:
            tried.append(note)
        return tried
