"""Orders and payments write an order's amount the same way, whatever its currency: the
amount in orders' events is the amount in payments' events and in both APIs, and the
e-mail that confirms the payment shows it so."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mercado_notifications.adapters.templates import render
from mercado_orders.domain.model import Line, Order, Status
from mercado_orders.entrypoints import views as order_views
from mercado_orders.service_layer import events as order_events
from mercado_payments.domain.model import Payment
from mercado_payments.entrypoints import views as payment_views
from mercado_payments.service_layer import events as payment_events

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("currency", "unit_price", "amount"),
    [("jpy", "1500", "3000"), ("krw", "12000", "24000"), ("brl", "19.9", "39.80")],
)
def test_an_order_and_its_payment_carry_the_same_amount(currency, unit_price, amount):
    line = Line("p-1", "Mug", 2, Decimal(unit_price))
    order = Order("o-1", "c-1", Status.AWAITING_PAYMENT, [line], currency, NOW)
    requested = order_events.payment_requested(order).data
    payment = Payment.request(
        "o-1",
        "c-1",
        Decimal(requested["amount"]),
        currency,
        description="2 x Mug",
        provider="local",
        now=NOW,
    )
    assert requested["amount"] == amount
    assert order_events.order_paid(order).data["total"] == amount
    assert order_views.summary(order)["total"] == amount
    assert payment_events.succeeded(payment).data["amount"] == amount
    assert payment_views.detail(payment)["amount"] == amount
    paid = {**order_events.order_paid(order).data, "order_id": "o-1"}
    mail = render("order.paid", {"data": paid, "person": "Ana"})
    assert f"received {amount} {currency.upper()} for" in " ".join(mail.text.split())
