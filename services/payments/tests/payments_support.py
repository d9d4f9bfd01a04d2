"""Helpers of the payments tests: signed Stripe webhooks, orders' events applied the way
the consumer applies them, and direct looks at the database."""

import hashlib
import hmac
import json
import time
import uuid

from sqlalchemy import text

from mercado_payments.entrypoints import consumers
from mercado_payments.service_layer.dependencies import Dependencies
from mercado_platform.db import Database
from mercado_platform.messaging.events import Event

SECRET = "whsec_test_" + "a" * 24
CUSTOMER_SCOPES = "orders:read orders:write payments:read notifications:read profile"
ADMIN_SCOPES = f"{CUSTOMER_SCOPES} users:admin orders:write:any payments:read:any"


def signature(payload: bytes, secret: str = SECRET, *, at: int | None = None) -> str:
    """A Stripe-Signature header computed the way Stripe documents it."""
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


def stripe_event(kind: str, obj: dict, *, event_id: str | None = None) -> bytes:
    """A Stripe event document carrying `obj`."""
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def session_object(payment: dict, **extra) -> dict:
    """The checkout.session Stripe reports for a payment as GET /api/payments shows it."""
    return {
        "id": payment["session_id"],
        "object": "checkout.session",
        "client_reference_id": payment["order_id"],
        "metadata": {"order_id": payment["order_id"], "payment_id": payment["payment_id"]},
        "payment_status": "paid",
        "payment_intent": "pi_" + payment["order_id"][:8],
        **extra,
    }


def payment_requested(order_id: str, customer_id: str, amount: str = "39.98") -> Event:
    items = [{"product_id": "p-1", "name": "Mug", "quantity": 2, "unit_price": "19.99"}]
    data = {
        "order_id": order_id,
        "customer_id": customer_id,
        "amount": amount,
        "currency": "brl",
        "items": items,
    }
    return Event("payment.requested", data, "/mercado/orders", subject=order_id)


def order_cancelled(order_id: str, customer_id: str, *, was_paid: bool) -> Event:
    data = {
        "order_id": order_id,
        "customer_id": customer_id,
        "reason": "customer",
        "was_paid": was_paid,
    }
    return Event("order.cancelled", data, "/mercado/orders", subject=order_id)


def handle(payments: Dependencies, event: Event) -> None:
    """Apply an orders event as the consumer does: the handler, then one commit."""
    with payments.uow() as uow:
        consumers.handlers(payments)[consumers.ORDERS.name][event.type](event, uow)
        uow.commit()


def outbox(database: Database, kind: str | None = None) -> list[dict]:
    """The events payments wrote to its outbox, oldest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT routing_key, body FROM outbox ORDER BY id")).all()
    events = [json.loads(row.body) for row in rows]
    return [e for e in events if kind is None or e["type"] == kind]


def scalar(database: Database, sql: str, **params) -> object:
    with database.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()
