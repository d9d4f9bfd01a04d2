"""Orders in and out of real PostgreSQL: a whole order comes back as it was saved."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

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


@contextmanager
def statements(database) -> Iterator[list[str]]:
    """The SQL statements sent to PostgreSQL inside the block."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def test_a_row_and_its_one_history_change_are_one_statement_several_are_kept_in_order(
    orders_db,
):
    order = Order(str(uuid.uuid4()), "c-1", Status.RECEIVED, list(LINES), "BRL", AT)
    order.note("placed", AT)
    with UnitOfWork(orders_db) as uow, statements(orders_db) as sent:
        OrderRepository(uow.session).add(order)
        uow.commit()
    assert len(sent) == 2, sent  # the order with its history row, then its lines
    with UnitOfWork(orders_db) as uow, statements(orders_db) as sent:
        repository = OrderRepository(uow.session)
        found = repository.get(order.id, lock=True, history=False)
        found.move_to(Status.AWAITING_PAYMENT, "stock.reserved", AT + timedelta(seconds=1))
        repository.save(found, last_event="stock.reserved")
        uow.commit()
    assert len(sent) == 2, sent  # the locked read, then the update with its history row
    with UnitOfWork(orders_db) as uow:
        repository = OrderRepository(uow.session)
        found = repository.get(order.id, lock=True)
        found.move_to(Status.PAID, "payment.succeeded", AT + timedelta(seconds=2))
        found.move_to(Status.COMPLETED, "fulfilled", AT + timedelta(seconds=3))
        repository.save(found)
        uow.commit()
    with UnitOfWork(orders_db) as uow:
        found = OrderRepository(uow.session).get(order.id)
    assert [(c.status, c.cause, c.at - AT) for c in found.history] == [
        (Status.RECEIVED, "placed", timedelta(0)),
        (Status.AWAITING_PAYMENT, "stock.reserved", timedelta(seconds=1)),
        (Status.PAID, "payment.succeeded", timedelta(seconds=2)),
        (Status.COMPLETED, "fulfilled", timedelta(seconds=3)),
    ]
    assert found.status is Status.COMPLETED
