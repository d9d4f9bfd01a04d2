"""Amounts as Stripe takes them: whole minor units of the currency, from exact Decimals."""

from decimal import Decimal

from mercado_payments.domain.errors import InvalidAmount

# Stripe's zero-decimal currencies: an amount of 500 JPY is sent as 500, not 50000.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has."""
    return 0 if currency.lower() in ZERO_DECIMAL else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`amount` in minor units; refuses amounts that are not positive whole minor units."""
    if not amount.is_finite() or amount <= 0:
        raise InvalidAmount(f"{amount} {currency} is not a positive amount")
    minor = amount.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise InvalidAmount(f"{amount} {currency} is not a whole number of minor units")
    return int(minor)


def from_minor_units(minor: int, currency: str) -> Decimal:
    """The Decimal amount of `minor` units of `currency`."""
    return Decimal(minor).scaleb(-exponent(currency))


def money(amount: Decimal, currency: str) -> str:
    """`amount` as the contracts carry it: a decimal string with the currency's places
    (or as it came, when it is not a whole number of minor units)."""
    places = Decimal(1).scaleb(-exponent(currency))
    exact = amount.quantize(places)
    return str(exact if exact == amount else amount.normalize())
