"""The provider the settings choose."""

from datetime import timedelta

from mercado_payments.adapters.local_provider import LocalProvider
from mercado_payments.adapters.stripe_provider import StripeProvider, stripe_client
from mercado_payments.config import Settings
from mercado_payments.domain.provider import PaymentProvider


def build_provider(settings: Settings) -> PaymentProvider:
    """Stripe (its key and base URL from settings) or the local checkout."""
    if settings.payment_provider == "stripe":
        assert settings.stripe_api_key is not None  # settings refuse stripe without a key
        client = stripe_client(
            settings.stripe_api_key, settings.stripe_api_base, settings.stripe_timeout_seconds
        )
        return StripeProvider(client, settings.public_url, attempts=settings.stripe_attempts)
    return LocalProvider(settings.public_url, timedelta(seconds=settings.checkout_ttl_seconds))
