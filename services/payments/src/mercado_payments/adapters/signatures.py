"""Stripe's webhook signature scheme: `t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")`."""

import hashlib
import hmac

from mercado_payments.domain.errors import (
    SignatureExpired,
    SignatureMalformed,
    SignatureMismatch,
    SignatureMissing,
)


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value for `payload` sent at `timestamp`."""
    return f"t={timestamp},v1={_digest(payload, secret, timestamp)}"


def verify(payload: bytes, header: str | None, secret: str, *, now: float, tolerance: int) -> None:
    """Raise unless `header` signs `payload` with `secret` no more than `tolerance` s ago."""
    if not header or not header.strip():
        raise SignatureMissing("The request has no Stripe-Signature header.")
    timestamp, signatures = _parse(header)
    expected = _digest(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureMismatch("The Stripe-Signature does not match the payload.")
    if timestamp < now - tolerance:
        raise SignatureExpired(f"The signature is older than {tolerance} seconds.")


def _parse(header: str) -> tuple[int, list[str]]:
    pairs = [item.strip().partition("=") for item in header.split(",")]
    times = [value for key, _, value in pairs if key == "t"]
    signatures = [value for key, _, value in pairs if key == "v1" and value]
    if len(times) != 1 or not times[0].isdigit() or not signatures:
        raise SignatureMalformed("Stripe-Signature must be 't=<unix time>,v1=<hex digest>'.")
    return int(times[0]), signatures


def _digest(payload: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
