"""Notifications' consumer and deliverer as real processes, and the broker as the users,
orders, payments and inventory services see it: the test publishes their events (checked
against their contracts) and reads the e-mails the SMTP sink received."""

import uuid
from pathlib import Path

import pika
from sqlalchemy import text

from mercado_local.services import ServiceProcesses
from mercado_notifications.bootstrap import SPEC
from mercado_platform.db import Database
from mercado_platform.messaging.contracts import platform_contracts
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import declare, exchange_for
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.smtp import SmtpSink

STAFF = ("ops@mercado.test", "Stock Keeper <keeper@mercado.test>")
FAST_RETRIES = {
    "SMTP_BACKOFF_SECONDS": "0.2",
    "SMTP_BACKOFF_MAX_SECONDS": "0.5",
    "SMTP_ATTEMPTS": "4",
    "RECIPIENT_LOOKUPS": "3",
    "DELIVERY_INTERVAL_SECONDS": "0.1",
    "SMTP_TIMEOUT": "3",
}


class PostOffice:
    """Runs `mercado-notifications consume` and `deliver`; plays the other services."""

    def __init__(
        self, database_url: str, amqp_url: str, sink: SmtpSink, logs: Path, **env: str
    ) -> None:
        self.database = Database(database_url)
        self.service = ServiceProcesses(
            "notifications",
            {
                "DATABASE_URL": database_url,
                "AMQP_URL": amqp_url,
                "MAIL_FROM": "Mercado <shop@mercado.test>",
                "STAFF_EMAILS": ",".join(STAFF),
                **FAST_RETRIES,
                **sink.environment(),
                **env,
            },
            logs,
        )
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        declare(self.channel, SPEC.topology)  # the test's database is already migrated
        self.service.start("consume", "deliver")

    def publish(self, service: str, kind: str, data: dict, *, event_id: str | None = None) -> Event:
        """Publish an event as `service` would; the same id twice is a redelivery."""
        event = Event(kind, data, f"/mercado/{service}", id=event_id or str(uuid.uuid4()))
        platform_contracts().check(event, strict=True)
        self.channel.basic_publish(exchange_for(service), kind, event.to_json())
        return event

    def customer(self, email: str, full_name: str = "Ana Souza") -> str:
        """A customer the users service registered, once notifications knows them."""
        customer_id = str(uuid.uuid4())
        self.publish("users", "customer.registered", _profile(customer_id, email, full_name))
        self.in_state(customer_id, "active")
        return customer_id

    def update_customer(self, customer_id: str, email: str, full_name: str = "Ana Souza"):
        self.publish("users", "customer.updated", _profile(customer_id, email, full_name))
        eventually(
            lambda: (
                self.scalar("SELECT email FROM customers WHERE customer_id = :id", customer_id)
                == email
            ),
            timeout=30,
            what=f"{customer_id} now at {email}",
        )

    def in_state(self, customer_id: str, state: str) -> None:
        """Wait until notifications' read model has the customer in `state`."""
        eventually(
            lambda: (
                self.scalar("SELECT state FROM customers WHERE customer_id = :id", customer_id)
                == state
            ),
            timeout=30,
            what=f"customer {customer_id} {state}",
        )

    def log(self, event_id: str) -> list[dict]:
        """The notification rows recorded for an event."""
        query = text("SELECT * FROM notifications WHERE event_id = :id ORDER BY recipient")
        with self.database.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query, {"id": event_id})]

    def settled(self, event_id: str, count: int = 1, timeout: float = 30) -> list[dict]:
        """Wait until the event's `count` notifications are no longer pending."""
        return eventually(
            lambda: (
                len(rows := self.log(event_id)) == count
                and all(row["status"] != "pending" for row in rows)
                and rows
            ),
            timeout=timeout,
            what=f"{count} notification(s) of {event_id} settled",
        )

    def scalar(self, sql: str, value: str):
        with self.database.engine.connect() as connection:
            return connection.execute(text(sql), {"id": value}).scalar()

    def close(self) -> None:
        self.service.stop()
        self.connection.close()
        self.database.dispose()


def _profile(customer_id: str, email: str, full_name: str) -> dict:
    login = f"user-{customer_id[:8]}"
    return {
        "customer_id": customer_id,
        "login": login,
        "email": email,
        "full_name": full_name,
        "phone": None,
    }
