"""The users service: how its dependencies are built, and what the platform runs."""

from datetime import timedelta
from pathlib import Path

from mercado_platform.auth import TokenVerifier
from mercado_platform.db import UnitsOfWork
from mercado_platform.service import ServiceCommand, ServiceSpec
from mercado_users.adapters.hashing import Passwords
from mercado_users.adapters.keys import KeyRing
from mercado_users.adapters.tables import metadata
from mercado_users.adapters.tokens import AccessTokens
from mercado_users.adapters.unit_of_work import UsersUnitOfWork
from mercado_users.config import Settings
from mercado_users.entrypoints import accounts_api, addresses_api, admin_api, auth_api, cli_admin
from mercado_users.entrypoints.errors import ERRORS
from mercado_users.service_layer.dependencies import Dependencies
from mercado_users.service_layer.sessions import Authenticator


def build(settings: Settings, units: UnitsOfWork[UsersUnitOfWork]) -> Dependencies:
    """Hashing, the key ring, token signing and verifying, throttling, from the settings."""
    keys = KeyRing(
        units.database,
        settings.jwt_signing_key.get_secret_value() if settings.jwt_signing_key else None,
        settings.jwt_previous_public_keys,
    )
    per_account, per_address = settings.throttle_policies()
    authenticator = Authenticator(
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
    verifier = TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    return Dependencies(units, authenticator, verifier, settings.trusted_proxy_hops)


SPEC = ServiceSpec(
    name="users",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    build=build,
    unit_of_work=UsersUnitOfWork,
    blueprints=(
        auth_api.blueprint,
        accounts_api.blueprint,
        addresses_api.blueprint,
        admin_api.blueprint,
    ),
    errors=ERRORS,
    token_verifier=lambda users: users.verifier,
    commands={
        "create-admin": ServiceCommand(
            "create the first administrator (password from ADMIN_PASSWORD or stdin)",
            cli_admin.create_admin,
            cli_admin.arguments,
        )
    },
)
