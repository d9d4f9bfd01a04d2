"""What every users view needs: the wired components, the caller, and JSON shapes."""

import uuid
from dataclasses import asdict
from typing import Any

from flask import current_app, request

from mercado_platform.auth import authenticate
from mercado_platform.errors import Unauthorized
from mercado_users.domain.addresses import Address
from mercado_users.domain.model import User
from mercado_users.service_layer.sessions import Authenticator, TokenPair

EXTENSION = "mercado.users"


def authenticator() -> Authenticator:
    """The app's login machinery, wired in bootstrap."""
    return current_app.extensions[EXTENSION]


def caller_id() -> uuid.UUID:
    """The id of the user the bearer token speaks for."""
    subject = authenticate().subject
    try:
        return uuid.UUID(subject)
    except ValueError:
        raise Unauthorized("The token's subject is not a user id.", code="invalid_token") from None


def client_address(trusted_hops: int) -> str:
    """The caller's address: the peer, or the entry `trusted_hops` proxies back in
    X-Forwarded-For, the only part of that header our own proxies vouch for."""
    forwarded = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if trusted_hops and len(forwarded) >= trusted_hops:
        return forwarded[-trusted_hops]
    return request.remote_addr or "unknown"


def profile(user: User, *, admin_view: bool = False) -> dict[str, Any]:
    """A user as the API shows it."""
    body = {
        "id": str(user.id),
        "login": user.login,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "roles": sorted(user.roles),
        "status": user.status.value,
        "created_at": user.created_at.isoformat() if user.created_at else None,
        "updated_at": user.updated_at.isoformat() if user.updated_at else None,
    }
    if admin_view:
        body["disabled_reason"] = user.disabled_reason
    return body


def address_body(address: Address) -> dict[str, Any]:
    """An address as the API shows it."""
    body = asdict(address)
    return {"id": str(body.pop("id")), **body}


def token_body(pair: TokenPair) -> dict[str, Any]:
    """A token response in the OAuth 2.0 shape clients know."""
    return {
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_token": pair.refresh_token,
        "scope": pair.scope,
    }
