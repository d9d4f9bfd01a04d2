"""Login, token refresh, logout, and the public keys that verify our tokens."""

from flask import Blueprint, Response, current_app, jsonify

from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate
from mercado_users.entrypoints.context import authenticator, client_address, token_body
from mercado_users.entrypoints.schemas import Credentials, RefreshToken
from mercado_users.service_layer import sessions

JWKS_MAX_AGE = 300


def auth_blueprint() -> Blueprint:
    """`/api/auth/*` and `/.well-known/jwks.json`."""
    blueprint = Blueprint("auth", __name__)

    @blueprint.post("/api/auth/token")
    @validate(body=Credentials)
    def issue_token(body: Credentials) -> Response:
        """Log in with login (or e-mail) and password; returns access and refresh tokens."""
        settings = current_app.extensions["mercado.settings"]
        with unit_of_work() as uow:
            pair = sessions.login(
                uow,
                authenticator(),
                body.login,
                body.password,
                client_address(settings.trusted_proxy_hops),
            )
        return _no_store(jsonify(token_body(pair)))

    @blueprint.post("/api/auth/refresh")
    @validate(body=RefreshToken)
    def refresh_token(body: RefreshToken) -> Response:
        """Exchange a refresh token for a new access token and a new refresh token."""
        with unit_of_work() as uow:
            pair = sessions.refresh(uow, authenticator(), body.refresh_token)
        return _no_store(jsonify(token_body(pair)))

    @blueprint.post("/api/auth/logout")
    @validate(body=RefreshToken)
    def logout(body: RefreshToken) -> tuple[str, int]:
        """Revoke a refresh token and the tokens rotated from the same login."""
        with unit_of_work() as uow:
            sessions.logout(uow, body.refresh_token)
        return "", 204

    @blueprint.get("/.well-known/jwks.json")
    def jwks() -> Response:
        """The public keys (JWKS) that verify access tokens, during a rollover old and new."""
        response = jsonify(authenticator().access_tokens.keys.current().jwks())
        response.cache_control.public = True
        response.cache_control.max_age = JWKS_MAX_AGE
        return response

    return blueprint


def _no_store(response: Response) -> Response:
    """Tokens must not be cached by anything between us and the client."""
    response.cache_control.no_store = True
    response.headers["Pragma"] = "no-cache"
    return response
