"""Registering, and a customer's own account: profile, password, export, deletion."""

from flask import Blueprint, Response, jsonify

from mercado_platform.auth import requires
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate
from mercado_users.entrypoints.context import address_body, authenticator, caller_id, profile
from mercado_users.entrypoints.schemas import NewUser, PasswordChange, ProfileChanges
from mercado_users.service_layer import accounts


def accounts_blueprint() -> Blueprint:
    """`POST /api/users` and `/api/users/me`."""
    blueprint = Blueprint("accounts", __name__)

    @blueprint.post("/api/users")
    @validate(body=NewUser)
    def register(body: NewUser) -> tuple[Response, int, dict[str, str]]:
        """Register a customer account."""
        with unit_of_work() as uow:
            user = accounts.register(
                uow, authenticator().passwords, accounts.Registration(**body.model_dump())
            )
        return jsonify(profile(user)), 201, {"Location": "/api/users/me"}

    @blueprint.get("/api/users/me")
    @requires("profile")
    def get_me() -> Response:
        """The caller's own profile."""
        with unit_of_work().reading() as uow:
            return jsonify(profile(accounts.active_user(uow, caller_id())))

    @blueprint.patch("/api/users/me")
    @requires("profile")
    @validate(body=ProfileChanges)
    def update_me(body: ProfileChanges) -> Response:
        """Change the caller's e-mail, name or phone."""
        with unit_of_work() as uow:
            user = accounts.update_profile(uow, caller_id(), body.model_dump(exclude_unset=True))
        return jsonify(profile(user))

    @blueprint.post("/api/users/me/password")
    @requires("profile")
    @validate(body=PasswordChange)
    def change_password(body: PasswordChange) -> tuple[str, int]:
        """Change the caller's password; every refresh token is revoked."""
        with unit_of_work() as uow:
            accounts.change_password(
                uow,
                authenticator().passwords,
                caller_id(),
                body.current_password,
                body.new_password,
            )
        return "", 204

    @blueprint.get("/api/users/me/export")
    @requires("profile")
    def export_me() -> Response:
        """Everything held about the caller, as one JSON document."""
        with unit_of_work().reading() as uow:
            held = accounts.export(uow, caller_id())
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
    def delete_me() -> tuple[str, int]:
        """Delete the caller's account: personal data erased, sessions ended."""
        with unit_of_work() as uow:
            accounts.delete_account(uow, caller_id())
        return "", 204

    return blueprint
