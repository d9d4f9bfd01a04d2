"""Reading payments: one order's, for its customer or staff, and the staff listing."""

from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.domain.errors import PaymentNotFound
from mercado_payments.domain.model import Payment, Status
from mercado_platform.auth import Caller
from mercado_platform.pagination import PageQuery


def payment_of_order(uow: PaymentsUnitOfWork, order_id: str, caller: Caller) -> Payment:
    """The order's payment, if the caller may see it; otherwise PaymentNotFound."""
    with uow.reading() as reader:
        payment = reader.payments.for_order(order_id)
    if payment is None or not caller.may_see(payment.customer_id):
        raise PaymentNotFound(f"There is no payment for order {order_id}.")
    return payment


def list_payments(
    uow: PaymentsUnitOfWork, page: PageQuery, status: Status | None
) -> tuple[list[Payment], bool]:
    """One page of every payment, newest first, optionally in one status."""
    with uow.reading() as reader:
        return reader.payments.page(page, status)
