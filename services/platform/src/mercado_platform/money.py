"""Amounts of money: exact Decimals, written with as many places as the currency has."""

from decimal import Decimal

# Currencies without a minor unit (ISO 4217 exponent 0), as Stripe charges them: 500 JPY
# is 500, not 500.00 (nor 50000 minor units).
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has."""
    return 0 if currency.lower() in ZERO_DECIMAL else 2


def money(amount: Decimal, currency: str) -> str:
    """`amount` as the APIs and events carry it: a decimal string with the currency's
    places (or as it came, normalised, when it is not a whole number of minor units)."""
    exact = amount.quantize(Decimal(1).scaleb(-exponent(currency)))
    return str(exact if exact == amount else amount.normalize())
