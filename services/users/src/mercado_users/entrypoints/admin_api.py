"""Administration of accounts: listing, roles, disabling. Needs the `users:admin` scope."""

import uuid

from flask import Blueprint, Response, jsonify

from mercado_platform.auth import requires
from mercado_platform.errors import NotFound
from mercado_platform.pagination import page_body
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate
from mercado_users.domain.roles import Role
from mercado_users.entrypoints.context import caller_id, profile
from mercado_users.entrypoints.schemas import Disable, UserQuery
from mercado_users.service_layer import admin

ADMIN = "users:admin"


def admin_blueprint() -> Blueprint:
    """`GET /api/users`, `/api/users/{id}`, its roles and `disable`."""
    blueprint = Blueprint("admin", __name__)

    @blueprint.get("/api/users")
    @requires(ADMIN)
    @validate(query=UserQuery)
    def list_users(query: UserQuery) -> Response:
        """Accounts, filtered by role, status and a search in login and e-mail, paged."""
        with unit_of_work().reading() as uow:
            found, more = admin.list_users(
                uow,
                query,
                role=query.role.value if query.role else None,
                status=query.status.value if query.status else None,
                search=query.q,
            )
        return jsonify(page_body([profile(u, admin_view=True) for u in found], query, more))

    @blueprint.get("/api/users/<uuid:user_id>")
    @requires(ADMIN)
    def get_user(user_id: uuid.UUID) -> Response:
        """One account, whatever its status."""
        with unit_of_work().reading() as uow:
            return jsonify(profile(admin.get_user(uow, user_id), admin_view=True))

    @blueprint.post("/api/users/<uuid:user_id>/roles/<role>")
    @requires(ADMIN)
    def grant_role(user_id: uuid.UUID, role: str) -> Response:
        """Grant a role (customer, staff, admin); effective at the user's next token."""
        with unit_of_work() as uow:
            user = admin.grant_role(uow, user_id, _role(role))
        return jsonify(profile(user, admin_view=True))

    @blueprint.delete("/api/users/<uuid:user_id>/roles/<role>")
    @requires(ADMIN)
    def revoke_role(user_id: uuid.UUID, role: str) -> Response:
        """Revoke a role; it leaves the user's tokens at their next refresh."""
        with unit_of_work() as uow:
            user = admin.revoke_role(uow, caller_id(), user_id, _role(role))
        return jsonify(profile(user, admin_view=True))

    @blueprint.post("/api/users/<uuid:user_id>/disable")
    @requires(ADMIN)
    @validate(body=Disable)
    def disable(user_id: uuid.UUID, body: Disable) -> Response:
        """Disable an account: no more logins, sessions revoked, customer.disabled sent."""
        with unit_of_work() as uow:
            user = admin.disable(uow, caller_id(), user_id, body.reason)
        return jsonify(profile(user, admin_view=True))

    return blueprint


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise NotFound(
            f"There is no role {name!r}; roles are {known}.", code="unknown_role"
        ) from None
