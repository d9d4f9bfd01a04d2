"""Registering, and a customer's own account: profile, password, export, deletion."""

from flask import Blueprint, Response, jsonify

from mercado_platform.auth import requires
from mercado_platform.openapi import answers
from mercado_platform.service import dependencies
from mercado_platform.validation import validate
from mercado_users.domain.errors import (
    AccountInactive,
    EmailTaken,
    LoginTaken,
    UserNotFound,
    WeakPassword,
    WrongPassword,
)
from mercado_users.entrypoints.context import address_body, caller_id, profile
from mercado_users.entrypoints.schemas import NewUser, PasswordChange, ProfileChanges
from mercado_users.service_layer import accounts
from mercado_users.service_layer.dependencies import Dependencies

blueprint = Blueprint("accounts", __name__)
# what an administrator can do next with an account just registered
ADMIN_LINKS = {
    operation: {"user_id": "$response.body#/id"}
    for operation in ("admin.get_user", "admin.grant_role", "admin.revoke_role", "admin.disable")
}


@blueprint.post("/api/users")
@validate(body=NewUser)
@answers(201, LoginTaken, EmailTaken, WeakPassword, links=ADMIN_LINKS)
def register(body: NewUser) -> tuple[Response, int, dict[str, str]]:
    """Register a customer account."""
    users: Dependencies = dependencies()
    new = accounts.Registration(**body.model_dump())
    user = accounts.register(users.uow(), users.authenticator.passwords, new)
    return jsonify(profile(user)), 201, {"Location": "/api/users/me"}


@blueprint.get("/api/users/me")
@requires("profile")
@answers(200, UserNotFound, AccountInactive)
def get_me() -> Response:
    """The caller's own profile."""
    users: Dependencies = dependencies()
    return jsonify(profile(accounts.profile_of(users.uow(), caller_id())))


@blueprint.patch("/api/users/me")
@requires("profile")
@validate(body=ProfileChanges)
@answers(200, UserNotFound, AccountInactive, EmailTaken)
def update_me(body: ProfileChanges) -> Response:
    """Change the caller's e-mail, name or phone."""
    users: Dependencies = dependencies()
    changes = body.model_dump(exclude_unset=True)
    return jsonify(profile(accounts.update_profile(users.uow(), caller_id(), changes)))


@blueprint.post("/api/users/me/password")
@requires("profile")
@validate(body=PasswordChange)
@answers(204, UserNotFound, AccountInactive, WrongPassword, WeakPassword)
def change_password(body: PasswordChange) -> tuple[str, int]:
    """Change the caller's password; every refresh token is revoked."""
    users: Dependencies = dependencies()
    accounts.change_password(
        users.uow(),
        users.authenticator.passwords,
        caller_id(),
        body.current_password,
        body.new_password,
    )
    return "", 204


@blueprint.get("/api/users/me/export")
@requires("profile")
@answers(200, UserNotFound, AccountInactive)
def export_me() -> Response:
    """Everything held about the caller, as one JSON document."""
    users: Dependencies = dependencies()
    held = accounts.export(users.uow(), caller_id())
    response = jsonify(
        profile=profile(held["user"]),
        addresses=[address_body(address) for address in held["addresses"]],
        sessions=[
            {name: value and value.isoformat() for name, value in session.items()}
            for session in held["sessions"]
        ],
        password="kept only as an Argon2id hash, which is not exported",
    )
    response.headers["Content-Disposition"] = 'attachment; filename="mercado-account.json"'
    return response


@blueprint.delete("/api/users/me")
@requires("profile")
@answers(204, UserNotFound, AccountInactive)
def delete_me() -> tuple[str, int]:
    """Delete the caller's account: personal data erased, sessions ended."""
    users: Dependencies = dependencies()
    accounts.delete_account(users.uow(), caller_id())
    return "", 204
