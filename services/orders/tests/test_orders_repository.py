"""Orders in and out of real PostgreSQL: a whole order comes back as it was saved."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from mercado_orders.adapters.repository import OrderRepository
from mercado_orders.domain.model import Line, Order, Status
from mercado_platform.db import UnitOfWork

AT = datetime(2026, 1, 1, tzinfo=UTC)
LINES = [
    Line("p-3", "Tea", 1, Decimal("29.99")),
    Line("p-1", "Mug", 2, Decimal("19.99")),
    Line("p-2", "Pot", 3, Decimal("5.00")),
]


def placed(orders_db) -> Order:
    order = Order(str(uuid.uuid4()), "c-1", Status.RECEIVED, list(LINES), "BRL", AT)
    order.note("placed", AT)
    with UnitOfWork(orders_db) as uow:
        OrderRepository(uow.session).add(order)
        uow.commit()
    return order


def test_an_order_is_read_back_with_its_lines_in_order_and_its_history(orders_db):
    order = placed(orders_db)
    for lock in (False, True):
        with UnitOfWork(orders_db) as uow:
            found = OrderRepository(uow.session).get(order.id, lock=lock)
        assert found is not None
        assert (found.lines, found.total, found.status) == (LINES, Decimal("84.97"), order.status)
        assert [change.cause for change in found.history] == ["placed"]
    with UnitOfWork(orders_db) as uow:
        assert OrderRepository(uow.session).get(str(uuid.uuid4())) is None


def test_changed_lines_and_status_are_saved_whole(orders_db):
    order = placed(orders_db)
    with UnitOfWork(orders_db) as uow:
        repository = OrderRepository(uow.session)
        found = repository.get(order.id, lock=True)
        found.replace_lines([LINES[1]])
        found.move_to(Status.CANCELLED, "customer", AT)
        repository.save(found)
        uow.commit()
    with UnitOfWork(orders_db) as uow:
        found = OrderRepository(uow.session).get(order.id)
    assert (found.lines, found.status, found.revision) == ([LINES[1]], Status.CANCELLED, 2)
    assert [change.status for change in found.history][-1] is Status.CANCELLED
