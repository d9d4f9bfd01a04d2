"""The one place where users-domain errors become problem+json answers."""

from flask import Blueprint, Response

from mercado_platform.errors import problem
from mercado_users.domain import errors as domain

# exception -> (HTTP status, stable code)
ANSWERS: dict[type[domain.UsersError], tuple[int, str]] = {
    domain.LoginTaken: (409, "login_taken"),
    domain.EmailTaken: (409, "email_taken"),
    domain.WeakPassword: (422, "weak_password"),
    domain.InvalidCredentials: (401, "invalid_credentials"),
    domain.AccountInactive: (403, "account_inactive"),
    domain.LoginThrottled: (429, "too_many_failed_logins"),
    domain.InvalidRefreshToken: (401, "invalid_refresh_token"),
    domain.UserNotFound: (404, "user_not_found"),
    domain.AddressNotFound: (404, "address_not_found"),
    domain.TooManyAddresses: (409, "too_many_addresses"),
    domain.SelfLockout: (409, "self_lockout"),
    domain.WrongPassword: (403, "wrong_password"),
    domain.AccountDeleted: (409, "account_deleted"),
}


def errors_blueprint() -> Blueprint:
    """A blueprint that only answers users-domain errors raised anywhere in the app."""
    blueprint = Blueprint("users_errors", __name__)

    @blueprint.app_errorhandler(domain.UsersError)
    def _answer(exc: domain.UsersError) -> Response:
        status, code = ANSWERS[type(exc)]
        errors = None
        if isinstance(exc, domain.WeakPassword):
            errors = [{"field": "password", "type": code, "message": r} for r in exc.reasons]
        response = problem(status, code, str(exc), errors=errors)
        if isinstance(exc, domain.LoginThrottled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    return blueprint
