"""Placing an order: price it from the catalogue, store it, publish `order.placed`, once
per Idempotency-Key."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mercado_orders.adapters.idempotency import Stored
from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.domain.errors import (
    CatalogueUnavailable,
    CustomerInactive,
    IdempotencyKeyReused,
)
from mercado_orders.domain.model import Order, Status, StatusChange
from mercado_orders.domain.pricing import CatalogueEntry, RequestedLine, price_lines
from mercado_orders.service_layer import events
from mercado_platform.ids import new_id

Availability = Callable[[list[RequestedLine]], dict[str, CatalogueEntry] | None]
PLACED_MESSAGE = "Order successfully placed."


@dataclass(frozen=True)
class PlaceOrder:
    """An order as the client sent it; `request` is the raw body the key is bound to."""

    customer_id: str
    lines: list[RequestedLine]
    currency: str
    caller: str
    request: dict[str, Any]
    idempotency_key: str | None = None

    @property
    def fingerprint(self) -> str:
        """A hash of who asked for what, to tell a retry from a different request."""
        canonical = json.dumps([self.caller, self.request], sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """What the HTTP edge sends back."""

    status: int
    body: dict[str, Any]


def now() -> datetime:
    """The time recorded on status changes."""
    return datetime.now(UTC)


def place_order(uow: OrdersUnitOfWork, command: PlaceOrder, availability: Availability) -> Answer:
    """Store a new order priced by the catalogue and publish `order.placed`; a retry with
    the same Idempotency-Key gets the first answer and creates nothing.

    Inventory is asked before the transaction begins, so none is held open across the call.
    """
    checked = availability(command.lines)
    with uow:
        stored = _stored_answer(uow, command)
        if stored is not None:
            return stored
        _check_customer(uow, command.customer_id)
        lines = price_lines(command.lines, catalogue_for(uow, command.lines, checked))
        at = now()
        order = Order(
            id=new_id(),
            customer_id=command.customer_id,
            status=Status.RECEIVED,
            lines=lines,
            currency=command.currency,
            created_at=at,
            history=[StatusChange(Status.RECEIVED, "order placed", at)],
        )
        answer = Answer(
            200, {"order_id": order.id, "status": "received", "message": PLACED_MESSAGE}
        )
        if not _claim_key(uow, command, answer):
            uow.rollback()
            return _stored_answer(uow, command) or answer
        uow.orders.add(order)
        uow.publish(events.order_placed(order))
        uow.commit()
    return answer


def _stored_answer(uow: OrdersUnitOfWork, command: PlaceOrder) -> Answer | None:
    if command.idempotency_key is None:
        return None
    stored = uow.idempotency.find(command.caller, command.idempotency_key)
    if stored is None:
        return None
    if stored.request_hash != command.fingerprint:
        raise IdempotencyKeyReused()
    return Answer(stored.status, stored.body)


def _claim_key(uow: OrdersUnitOfWork, command: PlaceOrder, answer: Answer) -> bool:
    """Record the key with its answer; False when a concurrent request claimed it first."""
    if command.idempotency_key is None:
        return True
    stored = Stored(command.fingerprint, answer.status, answer.body)
    return uow.idempotency.claim(command.caller, command.idempotency_key, stored)


def _check_customer(uow: OrdersUnitOfWork, customer_id: str) -> None:
    state = uow.customers.state(customer_id)
    if state in {"disabled", "deleted"}:
        raise CustomerInactive(customer_id, state)


def catalogue_for(
    uow: OrdersUnitOfWork,
    lines: list[RequestedLine],
    checked: dict[str, CatalogueEntry] | None,
) -> dict[str, CatalogueEntry]:
    """Inventory's live answer when there is one (named from the local read model of
    products where inventory gave no name), else that read model."""
    if checked is not None:
        unnamed = [pid for pid, entry in checked.items() if not entry.name]
        known = uow.catalogue.entries(unnamed) if unnamed else {}
        return {pid: _named(entry, known.get(pid)) for pid, entry in checked.items()}
    known = uow.catalogue.entries(line.product_id for line in lines)
    missing = sorted({line.product_id for line in lines} - known.keys())
    if missing:
        raise CatalogueUnavailable(missing)
    return known


def _named(entry: CatalogueEntry, local: CatalogueEntry | None) -> CatalogueEntry:
    if entry.name or local is None:
        return entry
    return CatalogueEntry(entry.product_id, local.name, entry.price, entry.active, entry.available)
