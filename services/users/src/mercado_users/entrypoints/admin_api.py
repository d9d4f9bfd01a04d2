"""Administration of accounts: listing, roles, disabling. Needs the `users:admin` scope."""

from flask import Blueprint, Response, jsonify

from mercado_platform.auth import requires
from mercado_platform.errors import NotFound
from mercado_platform.openapi import answers
from mercado_platform.pagination import page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate
from mercado_users.domain.errors import AccountDeleted, SelfLockout, UserNotFound
from mercado_users.domain.roles import Role
from mercado_users.entrypoints.context import caller_id, profile
from mercado_users.entrypoints.schemas import Disable, UserQuery
from mercado_users.service_layer import admin
from mercado_users.service_layer.dependencies import Dependencies

ADMIN = "users:admin"
UNKNOWN_ROLE = (NotFound, "unknown_role")
blueprint = Blueprint("admin", __name__)


@blueprint.get("/api/users")
@requires(ADMIN)
@validate(query=UserQuery)
@answers(200)
def list_users(query: UserQuery) -> Response:
    """Accounts, filtered by role, status and a search in login and e-mail, paged."""
    users: Dependencies = dependencies()
    found, more = admin.list_users(
        users.uow(),
        query,
        role=query.role.value if query.role else None,
        status=query.status.value if query.status else None,
        search=query.q,
    )
    return jsonify(page_body([profile(u, admin_view=True) for u in found], query, more))


@blueprint.get("/api/users/<id:user_id>")
@requires(ADMIN)
@answers(200, UserNotFound)
def get_user(user_id: str) -> Response:
    """One account, whatever its status."""
    users: Dependencies = dependencies()
    return jsonify(profile(admin.get_user(users.uow(), user_id), admin_view=True))


@blueprint.post("/api/users/<id:user_id>/roles/<role>")
@requires(ADMIN)
@answers(200, UserNotFound, AccountDeleted, UNKNOWN_ROLE)
def grant_role(user_id: str, role: str) -> Response:
    """Grant a role (customer, staff, admin); effective at the user's next token."""
    users: Dependencies = dependencies()
    return jsonify(profile(admin.grant_role(users.uow(), user_id, _role(role)), admin_view=True))


@blueprint.delete("/api/users/<id:user_id>/roles/<role>")
@requires(ADMIN)
@answers(200, UserNotFound, AccountDeleted, SelfLockout, UNKNOWN_ROLE)
def revoke_role(user_id: str, role: str) -> Response:
    """Revoke a role; it leaves the user's tokens at their next refresh."""
    users: Dependencies = dependencies()
    user = admin.revoke_role(users.uow(), caller_id(), user_id, _role(role))
    return jsonify(profile(user, admin_view=True))


@blueprint.post("/api/users/<id:user_id>/disable")
@requires(ADMIN)
@validate(body=Disable)
@answers(200, UserNotFound, AccountDeleted, SelfLockout)
def disable(user_id: str, body: Disable) -> Response:
    """Disable an account: no more logins, sessions revoked, customer.disabled sent."""
    users: Dependencies = dependencies()
    user = admin.disable(users.uow(), caller_id(), user_id, body.reason)
    return jsonify(profile(user, admin_view=True))


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise NotFound(
            f"There is no role {name!r}; roles are {known}.", code="unknown_role"
        ) from None
