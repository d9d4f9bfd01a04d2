"""The deliverer's use case in-process, on the real database and SMTP sink: what it does
when there is nobody to write to, or nothing it can write."""

import uuid

import pytest

from mercado_notifications.config import Settings
from mercado_notifications.domain.model import Status

from .recorder import Recorder


@pytest.fixture
def recorder(notifications_db, database_url, amqp_url, smtp_sink):
    settings = Settings(database_url=database_url, amqp_url=amqp_url, staff_emails="")
    return Recorder(notifications_db, settings, smtp_sink)


def test_an_email_that_cannot_be_written_fails_at_once_and_the_next_goes(recorder, smtp_sink):
    cid = str(uuid.uuid4())
    recorder.customer(cid, "ana@example.com")
    broken = [
        {"product_id": "p1"}
    ]  # the contract does not type the lines; the template needs a reason
    recorder.event("order.rejected", order_id="o1", customer_id=cid, lines=broken)
    recorder.event("order.paid", order_id="o2", customer_id=cid, total="1.00", currency="brl")
    rejected, paid = recorder.deliver_all()
    assert (rejected.status, rejected.attempts) == (Status.FAILED, 1)
    assert rejected.last_error.startswith("cannot compose the e-mail: UndefinedError")
    assert paid.status is Status.SENT and len(smtp_sink.received()) == 1


def test_events_without_anyone_to_tell_are_logged_as_skipped(recorder, smtp_sink):
    refund = {"order_id": "o1", "payment_id": "p", "amount": "1.00", "currency": "brl"}
    no_customer = recorder.event("payment.refunded", **refund)
    low = {"product_id": "p", "sku": "S", "name": "Mug", "available": 0, "minimum": 1}
    no_staff = recorder.event("stock.low", **low)
    assert recorder.deliver_all() == []
    with recorder.database.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT event_id, status, last_error FROM notifications ORDER BY created_at"
        ).all()
    assert [tuple(row) for row in rows] == [
        (no_customer.id, "skipped", "payment.refunded names no customer_id"),
        (no_staff.id, "skipped", "no staff addresses configured (STAFF_EMAILS)"),
    ]
    assert smtp_sink.received() == []
