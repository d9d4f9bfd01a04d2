"""E-mails for an order's life, through the real broker: the consumer and the deliverer run
as processes, the test publishes the other services' events and reads the SMTP sink."""

import uuid

import pytest

from mercado_platform.testing.polling import eventually, holds
from mercado_platform.testing.smtp import SmtpSink

from .post_office import STAFF, PostOffice

LINK = "https://checkout.stripe.test/c/pay/cs_test_a1b2c3?x=1&y=2"


def order_id() -> str:
    return str(uuid.uuid4())


def link_created(order: str, customer_id: str, **extra) -> dict:
    return {
        "order_id": order,
        "payment_id": f"pay-{order[:8]}",
        "customer_id": customer_id,
        "url": LINK,
        "amount": "39.9",
        "currency": "brl",
        "expires_at": "2030-01-01T00:00:00Z",
        **extra,
    }


def test_an_order_paid_through_its_link(post_office, smtp_sink):
    ana = post_office.customer("ana@example.com", "Ana Souza")
    order = order_id()
    link = post_office.publish("payments", "payment.link_created", link_created(order, ana))
    [mail] = smtp_sink.wait_for(1)
    assert mail.recipients == ("ana@example.com",)
    assert mail.message["To"] == "Ana Souza <ana@example.com>"
    assert mail.message["From"] == "Mercado <shop@mercado.test>"
    assert mail.message["Subject"] == f"Pay for your order {order[:8]}"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert LINK in mail.body("plain") and "39.90 BRL" in mail.body("plain")
    assert 'href="https://checkout.stripe.test/c/pay/cs_test_a1b2c3?x=1&amp;y=2"' in mail.body(
        "html"
    )
    assert "Hello Ana Souza" in mail.body("html")
    paid = post_office.publish(
        "orders",
        "order.paid",
        {"order_id": order, "customer_id": ana, "total": "39.90", "currency": "brl"},
    )
    receipt = smtp_sink.wait_for(2)[1]
    assert receipt.message["Subject"] == f"We received your payment for order {order[:8]}"
    assert "39.90 BRL" in receipt.body("plain") and "39.90 BRL" in receipt.body("html")
    for event in (link, paid):
        [row] = post_office.settled(event.id)
        assert (row["status"], row["attempts"], row["recipient"]) == ("sent", 1, "ana@example.com")
        assert row["order_id"] == order and row["customer_id"] == ana


def test_a_paid_order_cancelled_then_refunded(post_office, smtp_sink):
    bia = post_office.customer("bia@example.com", "Bia Lima")
    order = order_id()
    cancelled = {
        "order_id": order,
        "customer_id": bia,
        "reason": "cancelled_by_customer",
        "was_paid": True,
    }
    post_office.publish("orders", "order.cancelled", cancelled)
    [mail] = smtp_sink.wait_for(1)
    assert mail.message["Subject"] == f"Your order {order[:8]} was cancelled"
    assert "you cancelled it" in mail.body("plain")
    assert "will be refunded" in mail.body("plain") and "will be refunded" in mail.body("html")
    refund = {
        "order_id": order,
        "payment_id": "pay-1",
        "customer_id": bia,
        "amount": "1234.5",
        "currency": "brl",
    }
    post_office.publish("payments", "payment.refunded", refund)
    refunded = smtp_sink.wait_for(2)[1]
    assert refunded.recipients == ("bia@example.com",)
    assert refunded.message["Subject"] == f"Your refund for order {order[:8]}"
    assert "1234.50 BRL" in refunded.body("plain") and "1234.50 BRL" in refunded.body("html")


def test_an_unpaid_cancellation_promises_no_refund(post_office, smtp_sink):
    cid = post_office.customer("caio@example.com")
    data = {"order_id": order_id(), "customer_id": cid, "reason": "payment_expired"}
    post_office.publish("orders", "order.cancelled", {**data, "was_paid": False})
    [mail] = smtp_sink.wait_for(1)
    assert "the payment link expired" in mail.body("plain")
    assert "refund" not in mail.body("plain") and "refund" not in mail.body("html")


def test_a_rejected_order_says_why_for_each_line(post_office, smtp_sink):
    cid = post_office.customer("davi@example.com")
    order = order_id()
    lines = [
        {"product_id": "mug-1", "requested": 3, "available": 1, "reason": "insufficient_stock"},
        {"product_id": "cup-9", "requested": 1, "available": 0, "reason": "unknown_product"},
    ]
    post_office.publish(
        "orders", "order.rejected", {"order_id": order, "customer_id": cid, "lines": lines}
    )
    [mail] = smtp_sink.wait_for(1)
    assert mail.message["Subject"] == f"We could not accept your order {order[:8]}"
    for body in (mail.body("plain"), mail.body("html")):
        assert "mug-1: not enough in stock (you asked for 3, 1 available)" in body
        assert "cup-9: no longer in our catalogue" in body


def test_low_stock_goes_to_every_staff_address(post_office, smtp_sink):
    low = {"product_id": "p-1", "sku": "MUG-01", "name": "Mug", "available": 2, "minimum": 5}
    event = post_office.publish("inventory", "stock.low", low)
    mails = smtp_sink.wait_for(2)
    assert sorted(r for m in mails for r in m.recipients) == [
        "keeper@mercado.test",
        "ops@mercado.test",
    ]
    for mail in mails:
        assert mail.message["Subject"] == "Low stock: Mug (MUG-01), 2 left"
        assert "below its minimum of 5" in mail.body("plain")
        assert "below its minimum of 5" in mail.body("html")
    rows = post_office.settled(event.id, count=len(STAFF))
    assert [row["recipient"] for row in rows] == ["keeper@mercado.test", "ops@mercado.test"]
    assert {row["audience"] for row in rows} == {"staff"}
    assert all(row["status"] == "sent" and row["customer_id"] is None for row in rows)


def test_a_changed_address_is_used_for_the_next_mail(post_office, smtp_sink):
    eva = post_office.customer("eva@old.example.com", "Eva")
    post_office.update_customer(eva, "eva@new.example.com", "Eva Costa")
    post_office.publish("payments", "payment.link_created", link_created(order_id(), eva))
    [mail] = smtp_sink.wait_for(1)
    assert mail.recipients == ("eva@new.example.com",)
    assert "Hello Eva Costa" in mail.body("plain")


def test_temporary_refusals_are_retried_until_accepted(post_office, smtp_sink):
    cid = post_office.customer("fabio@example.com")
    smtp_sink.refuse_next(2, "451 4.3.0 Mailbox busy, try again")
    event = post_office.publish("payments", "payment.link_created", link_created(order_id(), cid))
    [row] = post_office.settled(event.id)
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert row["last_error"].startswith("451")
    assert smtp_sink.refused == 2 and len(smtp_sink.received()) == 1


def test_a_permanent_refusal_is_recorded_and_the_next_event_still_goes(post_office, smtp_sink):
    cid = post_office.customer("gil@example.com")
    smtp_sink.refuse_next(1, "550 5.1.1 No such mailbox")
    refused = post_office.publish("payments", "payment.link_created", link_created(order_id(), cid))
    [row] = post_office.settled(refused.id)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"] == "550 5.1.1 No such mailbox"
    paid = {"order_id": order_id(), "customer_id": cid, "total": "10.00", "currency": "brl"}
    accepted = post_office.publish("orders", "order.paid", paid)
    [mail] = smtp_sink.wait_for(1)
    assert mail.message["Subject"].startswith("We received your payment")
    assert post_office.settled(accepted.id)[0]["status"] == "sent"


def test_a_duplicated_event_sends_one_mail(post_office, smtp_sink):
    cid = post_office.customer("hana@example.com")
    data = link_created(order_id(), cid)
    first = post_office.publish("payments", "payment.link_created", data)
    post_office.publish("payments", "payment.link_created", data, event_id=first.id)
    smtp_sink.wait_for(1)
    assert holds(lambda: len(smtp_sink.received()) == 1, seconds=2)
    assert len(post_office.log(first.id)) == 1


def test_a_customer_who_arrives_late_is_still_mailed(
    notifications_db, database_url, amqp_url, smtp_sink, tmp_path
):
    office = PostOffice(database_url, amqp_url, smtp_sink, tmp_path, RECIPIENT_LOOKUPS="50")
    try:
        late = str(uuid.uuid4())
        event = office.publish("payments", "payment.link_created", link_created(order_id(), late))
        eventually(
            lambda: (rows := office.log(event.id)) and rows[0]["recipient_lookups"] >= 1,
            timeout=30,
            what="a lookup that found no one",
        )
        profile = {"customer_id": late, "login": "l", "email": "late@example.com", "full_name": "L"}
        office.publish("users", "customer.registered", profile)
        [mail] = smtp_sink.wait_for(1)
        assert mail.recipients == ("late@example.com",)
        assert office.settled(event.id)[0]["status"] == "sent"
    finally:
        office.close()


def test_a_customer_never_heard_of_is_skipped_after_a_few_lookups(post_office, smtp_sink):
    ghost = str(uuid.uuid4())
    event = post_office.publish("payments", "payment.link_created", link_created(order_id(), ghost))
    [row] = post_office.settled(event.id)
    assert row["status"] == "skipped" and row["recipient_lookups"] == 3
    assert f"customer {ghost} is not known" in row["last_error"]
    assert smtp_sink.received() == []


def test_a_deleted_customer_is_forgotten_and_mailed_no_more(post_office, smtp_sink):
    ivo = post_office.customer("ivo@example.com")
    first = post_office.publish("payments", "payment.link_created", link_created(order_id(), ivo))
    smtp_sink.wait_for(1)
    post_office.publish("users", "customer.deleted", {"customer_id": ivo})
    post_office.in_state(ivo, "deleted")
    paid = {"order_id": order_id(), "customer_id": ivo, "total": "5.00", "currency": "brl"}
    later = post_office.publish("orders", "order.paid", paid)
    [row] = post_office.settled(later.id)
    assert (row["status"], row["last_error"]) == ("skipped", "the customer deleted their account")
    assert post_office.log(first.id)[0]["recipient"] is None
    assert post_office.scalar("SELECT email FROM customers WHERE customer_id = :id", ivo) is None
    assert len(smtp_sink.received()) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_through_tls_and_auth_when_configured(
    notifications_db, database_url, amqp_url, make_smtp_sink, tmp_path, security
):
    sink = make_smtp_sink(security=security, username="mercado", password="s3cret-pass")
    office = PostOffice(database_url, amqp_url, sink, tmp_path)
    try:
        cid = office.customer("jo@example.com")
        office.publish("payments", "payment.link_created", link_created(order_id(), cid))
        [mail] = sink.wait_for(1)
        assert (mail.login, mail.encrypted) == ("mercado", True)
    finally:
        office.close()


def test_mail_waits_while_the_mail_server_is_down(
    notifications_db, database_url, amqp_url, tmp_path
):
    sink = SmtpSink()  # its port is chosen, nothing listens there yet
    office = PostOffice(database_url, amqp_url, sink, tmp_path, SMTP_ATTEMPTS="50")
    try:
        cid = office.customer("kai@example.com")
        event = office.publish("payments", "payment.link_created", link_created(order_id(), cid))
        eventually(
            lambda: (rows := office.log(event.id)) and rows[0]["attempts"] >= 2,
            timeout=30,
            what="two failed tries",
        )
        [row] = office.log(event.id)
        assert row["status"] == "pending" and "Connection refused" in row["last_error"]
        sink.start()
        [mail] = sink.wait_for(1)
        assert mail.recipients == ("kai@example.com",)
        [row] = office.settled(event.id)
        assert row["status"] == "sent" and row["attempts"] >= 3
    finally:
        office.close()
        sink.stop()
