"""In-memory stand-ins for orders' own ports (its unit of work and repositories), for fast
tests of the use cases' rules; the real adapters have their own tests on PostgreSQL."""

import copy
from types import TracebackType
from typing import Self

from mercado_orders.adapters.idempotency import Stored
from mercado_orders.domain.model import Order
from mercado_orders.domain.pricing import CatalogueEntry
from mercado_platform.messaging.contracts import platform_contracts
from mercado_platform.messaging.events import Event


class FakeOrders:
    """Orders kept in a dict; `saved` records each save and the event that caused it."""

    def __init__(self, orders: list[Order]) -> None:
        self.stored = {order.id: copy.deepcopy(order) for order in orders}
        self.saved: list[tuple[str, str | None]] = []

    def add(self, order: Order) -> None:
        self.stored[order.id] = copy.deepcopy(order)

    def get(self, order_id: str, *, lock: bool = False, history: bool = True) -> Order | None:
        order = self.stored.get(order_id)
        return copy.deepcopy(order) if order else None

    def save(self, order: Order, *, last_event: str | None = None) -> None:
        self.stored[order.id] = copy.deepcopy(order)
        self.saved.append((order.id, last_event))


class FakeCatalogue:
    """The products read model."""

    def __init__(self, entries: list[CatalogueEntry]) -> None:
        self.by_id = {entry.product_id: entry for entry in entries}

    def entries(self, product_ids) -> dict[str, CatalogueEntry]:
        return {pid: self.by_id[pid] for pid in product_ids if pid in self.by_id}


class FakeCustomers:
    """The customers read model: a state per customer id."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states

    def state(self, customer_id: str) -> str | None:
        return self.states.get(customer_id)


class FakeIdempotency:
    """Idempotency keys in a dict."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], Stored] = {}

    def find(self, owner: str, key: str) -> Stored | None:
        return self.keys.get((owner, key))

    def claim(self, owner: str, key: str, stored: Stored) -> bool:
        return self.keys.setdefault((owner, key), stored) is stored


class FakeUnitOfWork:
    """A unit of work that keeps what it is given in memory: `published` holds the events
    of committed work only (each checked against its contract, as the real one does)."""

    def __init__(
        self,
        orders: list[Order] = (),
        catalogue: list[CatalogueEntry] = (),
        customers: dict[str, str] | None = None,
    ) -> None:
        self.orders = FakeOrders(list(orders))
        self.catalogue = FakeCatalogue(list(catalogue))
        self.customers = FakeCustomers(customers or {})
        self.idempotency = FakeIdempotency()
        self.published: list[Event] = []
        self.commits = 0
        self._pending: list[Event] = []

    def __enter__(self) -> Self:
        self._pending = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def reading(self) -> Self:
        return self

    def publish(self, event: Event) -> None:
        platform_contracts().check(event, strict=True)
        self._pending.append(event)

    def commit(self) -> None:
        self.published += self._pending
        self._pending = []
        self.commits += 1

    def rollback(self) -> None:
        self._pending = []

    def kinds(self) -> list[str]:
        """The types of the events published so far, in order."""
        return [event.type for event in self.published]
