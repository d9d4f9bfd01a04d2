"""Login, token refresh, logout, and the public keys that verify our tokens."""

from flask import Blueprint, Response, jsonify

from mercado_platform.openapi import answers
from mercado_platform.service import dependencies
from mercado_platform.validation import validate
from mercado_users.domain.errors import (
    AccountInactive,
    InvalidCredentials,
    InvalidRefreshToken,
    LoginThrottled,
)
from mercado_users.entrypoints.context import client_address, token_body
from mercado_users.entrypoints.schemas import Credentials, RefreshToken
from mercado_users.service_layer import sessions
from mercado_users.service_layer.dependencies import Dependencies

JWKS_MAX_AGE = 300
blueprint = Blueprint("auth", __name__)


@blueprint.post("/api/auth/token")
@validate(body=Credentials)
@answers(200, InvalidCredentials, AccountInactive, LoginThrottled)
def issue_token(body: Credentials) -> Response:
    """Log in with login (or e-mail) and password; returns access and refresh tokens."""
    users: Dependencies = dependencies()
    address = client_address(users.trusted_proxy_hops)
    pair = sessions.login(users.uow(), users.authenticator, body.login, body.password, address)
    return _no_store(jsonify(token_body(pair)))


@blueprint.post("/api/auth/refresh")
@validate(body=RefreshToken)
@answers(200, InvalidRefreshToken, AccountInactive)
def refresh_token(body: RefreshToken) -> Response:
    """Exchange a refresh token for a new access token and a new refresh token."""
    users: Dependencies = dependencies()
    pair = sessions.refresh(users.uow(), users.authenticator, body.refresh_token)
    return _no_store(jsonify(token_body(pair)))


@blueprint.post("/api/auth/logout")
@validate(body=RefreshToken)
@answers(204)
def logout(body: RefreshToken) -> tuple[str, int]:
    """Revoke a refresh token and the tokens rotated from the same login."""
    users: Dependencies = dependencies()
    sessions.logout(users.uow(), body.refresh_token)
    return "", 204


@blueprint.get("/.well-known/jwks.json")
@answers(200)
def jwks() -> Response:
    """The public keys (JWKS) that verify access tokens, during a rollover old and new."""
    users: Dependencies = dependencies()
    response = jsonify(users.authenticator.access_tokens.keys.current().jwks())
    response.cache_control.public = True
    response.cache_control.max_age = JWKS_MAX_AGE
    return response


def _no_store(response: Response) -> Response:
    """Tokens must not be cached by anything between us and the client."""
    response.cache_control.no_store = True
    response.headers["Pragma"] = "no-cache"
    return response
