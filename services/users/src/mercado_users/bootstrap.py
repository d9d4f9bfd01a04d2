"""The users service as the platform sees it: one place that wires it together."""

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Flask
from flask.sansio.blueprints import BlueprintSetupState

from mercado_platform.auth import TokenVerifier
from mercado_platform.db import Database
from mercado_platform.messaging.topology import Topology
from mercado_platform.service import ServiceCommand, ServiceSpec
from mercado_users.adapters.hashing import Passwords
from mercado_users.adapters.keys import KeyRing
from mercado_users.adapters.tables import metadata
from mercado_users.adapters.tokens import AccessTokens
from mercado_users.config import Settings
from mercado_users.entrypoints import accounts_api, addresses_api, admin_api, auth_api, cli_admin
from mercado_users.entrypoints.context import EXTENSION
from mercado_users.entrypoints.errors import errors_blueprint
from mercado_users.service_layer.sessions import Authenticator


def build_authenticator(settings: Settings, database: Database) -> Authenticator:
    """Hashing, the key ring, token signing and throttling rules, from the settings."""
    keys = KeyRing(
        database,
        settings.jwt_signing_key.get_secret_value() if settings.jwt_signing_key else None,
        settings.jwt_previous_public_keys,
    )
    per_account, per_address = settings.throttle_policies()
    return Authenticator(
        passwords=Passwords(),
        access_tokens=AccessTokens(
            keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime=settings.access_token_ttl_seconds,
        ),
        refresh_lifetime=timedelta(seconds=settings.refresh_token_ttl_seconds),
        per_account=per_account,
        per_address=per_address,
    )


def _wire(state: BlueprintSetupState) -> None:
    """Give the app its authenticator, and verify our own tokens straight from our own
    keys with the platform's verifier: no HTTP round trip to ourselves, no JWKS_URL."""
    app: Flask = state.app
    settings: Settings = app.extensions["mercado.settings"]
    auth = build_authenticator(settings, app.extensions["mercado.db"])
    app.extensions[EXTENSION] = auth
    app.extensions["mercado.verifier"] = TokenVerifier(
        auth.access_tokens.keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


def blueprints() -> Iterable[Blueprint]:
    """Every blueprint of the users API, after one that only wires the app."""
    wiring = Blueprint("users_wiring", __name__)
    wiring.record_once(_wire)
    return (
        wiring,
        errors_blueprint(),
        auth_api.auth_blueprint(),
        accounts_api.accounts_blueprint(),
        addresses_api.addresses_blueprint(),
        admin_api.admin_blueprint(),
    )


SPEC = ServiceSpec(
    name="users",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    blueprints=blueprints,
    topology=Topology("users"),
    commands={
        "create-admin": ServiceCommand(
            "create the first administrator (password from ADMIN_PASSWORD or stdin)",
            cli_admin.create_admin,
            cli_admin.arguments,
        )
    },
)
