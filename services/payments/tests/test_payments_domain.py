"""Pure domain rules: money in minor units, the payment's life, the signature scheme."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import stripe

from mercado_payments.adapters.signatures import sign, verify
from mercado_payments.domain import errors
from mercado_payments.domain.model import Checkout, Payment, Status, payment_id
from mercado_payments.domain.money import to_minor_units

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("39.98", "brl", 3998), ("10.0000", "usd", 1000), ("0.01", "eur", 1), ("500", "jpy", 500)],
)
def test_whole_minor_units_convert_exactly(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10.005", "brl"), ("500.5", "jpy"), ("0", "brl"), ("-1.00", "brl"), ("NaN", "brl")],
)
def test_amounts_that_are_not_positive_whole_minor_units_are_refused(amount, currency):
    with pytest.raises(errors.InvalidAmount):
        to_minor_units(Decimal(amount), currency)


def new_payment(amount: str = "39.98") -> Payment:
    return Payment.request(
        "order-1", "cust-1", Decimal(amount), "BRL", description="2 x Mug", provider="x", now=NOW
    )


def opened() -> Payment:
    payment = new_payment()
    payment.opened(Checkout("cs_1", "https://pay/cs_1", NOW + timedelta(hours=1)))
    return payment


def test_a_request_is_pending_with_an_id_derived_from_the_order():
    payment = new_payment()
    assert (payment.status, payment.amount_minor, payment.currency) == (Status.PENDING, 3998, "brl")
    assert payment.id == payment_id("order-1") == new_payment().id
    assert payment.outstanding


def test_a_request_for_an_amount_that_cannot_be_charged_fails_at_once():
    payment = new_payment("10.005")
    assert payment.status is Status.FAILED and payment.amount_minor is None
    assert payment.failure_reason.startswith("invalid_amount")


def test_paid_counts_once_and_even_after_cancellation():
    payment = opened()
    assert payment.paid("pi_1") and not payment.paid("pi_2")
    assert (payment.status, payment.payment_intent) == (Status.SUCCEEDED, "pi_1")
    cancelled = opened()
    cancelled.cancel()
    assert cancelled.status is Status.CANCELLING and cancelled.paid("pi_3")


def test_cancel_before_the_link_needs_no_provider_and_after_it_expires_the_session():
    pending = new_payment()
    pending.cancel()
    assert pending.status is Status.CANCELLED and not pending.outstanding
    open_one = opened()
    open_one.cancel()
    assert open_one.outstanding
    assert open_one.expired() is False, "the order cancelled itself: nothing to tell it"
    assert open_one.status is Status.CANCELLED


def test_expiry_of_an_open_checkout_is_told_once():
    payment = opened()
    assert payment.expired() and not payment.expired()
    assert payment.status is Status.EXPIRED


def test_refund_is_owed_only_for_paid_money_and_reported_once():
    payment = opened()
    assert not payment.request_refund()
    payment.paid("pi_1")
    assert payment.request_refund() and payment.outstanding
    assert payment.refunded("re_1") and not payment.refunded("re_2")
    assert (payment.status, payment.refund_id) == (Status.REFUNDED, "re_1")


def test_postponed_work_backs_off_exponentially_up_to_the_cap():
    payment = new_payment()
    delays = []
    for _ in range(5):
        payment.postpone("down", NOW, base=2, cap=10)
        delays.append((payment.next_attempt_at - NOW).total_seconds())
    assert delays == [2, 4, 8, 10, 10] and payment.attempts == 5


def test_giving_up_fails_a_pending_payment_but_only_closes_a_cancelling_one():
    pending = new_payment()
    assert pending.give_up("provider_rejected") and pending.status is Status.FAILED
    cancelling = opened()
    cancelling.cancel()
    assert not cancelling.give_up("provider_rejected")
    assert cancelling.status is Status.CANCELLED


def test_our_signatures_verify_with_stripes_own_library():
    payload = b'{"id": "evt_1"}'
    header = sign(payload, "whsec_x", 1_900_000_000)
    stripe.WebhookSignature.verify_header(payload.decode(), header, "whsec_x", tolerance=None)
    verify(payload, header, "whsec_x", now=1_900_000_100, tolerance=300)


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (None, errors.SignatureMissing),
        ("", errors.SignatureMissing),
        ("v1=abc", errors.SignatureMalformed),
        ("t=abc,v1=abc", errors.SignatureMalformed),
        ("t=1900000000", errors.SignatureMalformed),
        (sign(b"other", "whsec_x", 1_900_000_000), errors.SignatureMismatch),
        (sign(b"{}", "whsec_y", 1_900_000_000), errors.SignatureMismatch),
        (sign(b"{}", "whsec_x", 1_900_000_000 - 301), errors.SignatureExpired),
    ],
)
def test_unsigned_forged_and_stale_payloads_are_refused(header, error):
    with pytest.raises(error):
        verify(b"{}", header, "whsec_x", now=1_900_000_000, tolerance=300)
