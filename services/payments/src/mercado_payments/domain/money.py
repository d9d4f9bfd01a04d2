"""Amounts as Stripe takes them: whole minor units of the currency, from exact Decimals."""

from decimal import Decimal

from mercado_payments.domain.errors import InvalidAmount
from mercado_platform.money import exponent


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`amount` in minor units; refuses amounts that are not positive whole minor units."""
    if not amount.is_finite() or amount <= 0:
        raise InvalidAmount(f"{amount} {currency} is not a positive amount")
    minor = amount.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise InvalidAmount(f"{amount} {currency} is not a whole number of minor units")
    return int(minor)
