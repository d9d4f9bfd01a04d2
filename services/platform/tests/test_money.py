"""Amounts written with the currency's places: one rule for every service."""

from decimal import Decimal

import pytest

from mercado_platform.money import exponent, money


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("39.9800", "brl", "39.98"),
        ("39.9", "brl", "39.90"),
        ("100", "usd", "100.00"),
        ("500.0000", "jpy", "500"),
        ("500", "JPY", "500"),
        ("10.0050", "brl", "10.005"),
        ("500.5", "jpy", "500.5"),
    ],
)
def test_money_is_shown_with_the_currency_places_or_as_it_came(amount, currency, shown):
    assert money(Decimal(amount), currency) == shown


def test_zero_decimal_currencies_have_no_minor_unit():
    assert (exponent("jpy"), exponent("KRW"), exponent("brl"), exponent("eur")) == (0, 0, 2, 2)
