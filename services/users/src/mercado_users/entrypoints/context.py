"""What every users view needs: the caller, their address, and the JSON shapes."""

from dataclasses import asdict
from typing import Any

from flask import request

from mercado_platform.auth import authenticate
from mercado_platform.errors import Unauthorized
from mercado_platform.ids import canonical_id
from mercado_users.domain.addresses import Address
from mercado_users.domain.model import User
from mercado_users.service_layer.sessions import TokenPair


def caller_id() -> str:
    """The id of the user the bearer token speaks for."""
    user_id = canonical_id(authenticate().subject)
    if user_id is None:
        raise Unauthorized("The token's subject is not a user id.", code="invalid_token")
    return user_id


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
        "id": user.id,
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
    return {"id": body.pop("id"), **body}


def token_body(pair: TokenPair) -> dict[str, Any]:
    """A token response in the OAuth 2.0 shape clients know."""
    return {
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_token": pair.refresh_token,
        "scope": pair.scope,
    }
