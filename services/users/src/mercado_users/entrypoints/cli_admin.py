"""`mercado-users create-admin`: the first administrator, made from the command line,
never by an open endpoint. The password comes from ADMIN_PASSWORD or standard input,
never from an argument that `ps` would show."""

import getpass
import os
import sys
from argparse import ArgumentParser, Namespace

from pydantic import ValidationError

from mercado_platform.service import Service
from mercado_users.domain.errors import UsersError, WeakPassword
from mercado_users.entrypoints.schemas import NewUser
from mercado_users.service_layer.accounts import Registration
from mercado_users.service_layer.admin import ensure_admin
from mercado_users.service_layer.dependencies import Dependencies

PASSWORD_VARIABLE = "ADMIN_PASSWORD"


def arguments(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("--login", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--full-name", default="Administrator")


def create_admin(service: Service[Dependencies], args: Namespace) -> None:
    """Create the administrator, or grant admin to the existing account with that login."""
    try:
        new = NewUser(
            login=args.login,
            email=args.email,
            full_name=args.full_name,
            password=os.environ.get(PASSWORD_VARIABLE) or _read_password(),
        )
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]} {e['msg']}" for e in exc.errors())
        raise SystemExit(f"mercado-users: {problems}") from None
    users = service.dependencies
    try:
        registration = Registration(**new.model_dump())
        user, created = ensure_admin(users.uow(), users.authenticator.passwords, registration)
    except WeakPassword as exc:
        raise SystemExit(f"mercado-users: the password {'; '.join(exc.reasons)}") from None
    except UsersError as exc:
        raise SystemExit(f"mercado-users: {exc}") from None
    done = "created administrator" if created else "granted admin to existing account"
    print(f"{done} {user.login} ({user.id})")


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("mercado-users: the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")
