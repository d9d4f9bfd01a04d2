"""How the notifications API answers its domain errors (the platform writes the
problem+json)."""

from mercado_notifications.domain import errors
from mercado_platform.errors import DomainErrors

ERRORS: DomainErrors = {errors.NotificationNotFound: 404}
