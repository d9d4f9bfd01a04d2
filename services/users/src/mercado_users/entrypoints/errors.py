"""How the users API answers its domain errors (the platform writes the problem+json)."""

from mercado_platform.errors import DomainErrors, ErrorAnswer
from mercado_users.domain import errors


def _policy_reasons(exc: errors.WeakPassword) -> list[dict[str, str]]:
    return [{"field": "password", "type": exc.code, "message": reason} for reason in exc.reasons]


ERRORS: DomainErrors = {
    errors.LoginTaken: 409,
    errors.EmailTaken: 409,
    errors.WeakPassword: ErrorAnswer(422, errors=_policy_reasons),
    errors.InvalidCredentials: 401,
    errors.AccountInactive: 403,
    errors.LoginThrottled: ErrorAnswer(
        429, headers=lambda exc: {"Retry-After": str(exc.retry_after)}
    ),
    errors.InvalidRefreshToken: 401,
    errors.UserNotFound: 404,
    errors.AddressNotFound: 404,
    errors.TooManyAddresses: 409,
    errors.SelfLockout: 409,
    errors.WrongPassword: 403,
    errors.AccountDeleted: 409,
}
