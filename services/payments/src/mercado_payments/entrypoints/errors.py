"""How the payments API answers its domain errors (the platform writes the problem+json)."""

from mercado_payments.domain import errors
from mercado_platform.errors import DomainErrors

ERRORS: DomainErrors = {
    errors.PaymentsError: 409,
    errors.PaymentNotFound: 404,
    errors.CheckoutNotFound: 404,
    errors.WebhookRejected: 400,
}
