"""Reading orders: one in full, a customer's or everyone's, and those that are stuck."""

from datetime import UTC, datetime, timedelta

from mercado_orders.adapters.repository import Filters, Listed
from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.domain.errors import OrderNotFound
from mercado_orders.domain.model import Order, Status
from mercado_platform.auth import Caller
from mercado_platform.pagination import PageQuery


def get_order(uow: OrdersUnitOfWork, order_id: str, caller: Caller) -> Order:
    """The order with its history, if the caller may see it; otherwise OrderNotFound."""
    with uow.reading() as reader:
        order = reader.orders.get(order_id)
    if order is None or not caller.may_see(order.customer_id):
        raise OrderNotFound(order_id)
    return order


def list_orders(
    uow: OrdersUnitOfWork, caller: Caller, filters: Filters, page: PageQuery
) -> tuple[list[Listed], bool]:
    """One page of the caller's orders (anyone's, filtered, for staff), newest first."""
    if not caller.any_owner:
        filters = Filters(caller.subject, filters.status, filters.created_from, filters.created_to)
    with uow.reading() as reader:
        return reader.orders.page(page, filters)


def list_stuck(
    uow: OrdersUnitOfWork, older_than_seconds: int, status: Status | None, page: PageQuery
) -> tuple[list[Listed], bool]:
    """One page of the open orders whose status has not moved for a while, oldest first."""
    older_than = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    with uow.reading() as reader:
        return reader.orders.stuck(page, older_than, status)
