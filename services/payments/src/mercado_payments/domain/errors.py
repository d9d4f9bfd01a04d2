"""Named errors of the payments service; the entrypoints turn them into HTTP answers."""


class PaymentsError(Exception):
    """A payments rule was broken; `code` is stable for clients."""

    code = "payments_error"


class InvalidAmount(PaymentsError):
    """The amount cannot be charged: not positive, or not whole minor units."""

    code = "invalid_amount"


class PaymentNotFound(PaymentsError):
    """No payment the caller may see exists for that order."""

    code = "payment_not_found"


class CheckoutNotFound(PaymentsError):
    """No local checkout page has that session id."""

    code = "checkout_not_found"


class CheckoutClosed(PaymentsError):
    """The checkout was already paid, expired or cancelled."""

    code = "checkout_closed"


class WebhookRejected(PaymentsError):
    """A webhook call that is not provably from the provider, or not an event at all."""


class SignatureMissing(WebhookRejected):
    code = "signature_missing"


class SignatureMalformed(WebhookRejected):
    code = "signature_malformed"


class SignatureMismatch(WebhookRejected):
    code = "signature_mismatch"


class SignatureExpired(WebhookRejected):
    code = "signature_expired"


class MalformedEvent(WebhookRejected):
    code = "malformed_event"


class ProviderUnavailable(PaymentsError):
    """The payment provider could not be reached or asked us to come back later."""

    code = "provider_unavailable"


class ProviderRejected(PaymentsError):
    """The payment provider refused the request for good (retrying will not help)."""

    code = "provider_rejected"
