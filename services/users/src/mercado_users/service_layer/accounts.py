"""Registering, changing, exporting and deleting one's own account."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from mercado_users.adapters.hashing import Passwords
from mercado_users.adapters.unit_of_work import UsersUnitOfWork
from mercado_users.domain.errors import (
    EmailTaken,
    LoginTaken,
    UserNotFound,
    WeakPassword,
    WrongPassword,
)
from mercado_users.domain.model import User
from mercado_users.domain.passwords import policy_violations
from mercado_users.domain.roles import Role
from mercado_users.service_layer import events


@dataclass(frozen=True)
class Registration:
    """What a new account is made of."""

    login: str
    email: str
    full_name: str
    password: str
    phone: str | None = None


def register(uow: UsersUnitOfWork, passwords: Passwords, new: Registration) -> User:
    """Create a customer account; the login and e-mail are unique regardless of case."""
    with uow:
        user = add_account(uow, passwords, new, roles=(Role.CUSTOMER,))
        uow.commit()
    return user


def add_account(
    uow: UsersUnitOfWork, passwords: Passwords, new: Registration, roles: Iterable[Role]
) -> User:
    """In `uow`: an account with `roles`, and its customer.registered event."""
    login, email = new.login.lower(), new.email.lower()
    reasons = policy_violations(new.password, login=login, email=email)
    if reasons:
        raise WeakPassword(reasons)
    _refuse_taken(uow.users.taken(login=login, email=email))
    user = User(
        login=login,
        email=email,
        full_name=new.full_name,
        phone=new.phone,
        password_hash=passwords.hash(new.password),
        roles={role.value for role in roles},
    )
    with _unique_login_and_email():
        uow.users.add(user)
        uow.publish(events.registered(user))
    return user


def profile_of(uow: UsersUnitOfWork, user_id: str) -> User:
    """The caller's own account, which must still be active."""
    with uow.reading() as reader:
        return active_user(reader, user_id)


def active_user(uow: UsersUnitOfWork, user_id: str, *, for_update: bool = False) -> User:
    """In `uow`: the caller's own account, which must still be active."""
    user = uow.users.get(user_id, for_update=for_update)
    if user is None:
        raise UserNotFound("Your account no longer exists.")
    user.ensure_active()
    return user


def update_profile(uow: UsersUnitOfWork, user_id: str, changes: dict[str, Any]) -> User:
    """Change e-mail, name or phone; publishes customer.updated when something changed."""
    with uow:
        user = active_user(uow, user_id, for_update=True)
        if changes.get("email"):
            changes = {**changes, "email": changes["email"].lower()}
            if changes["email"] != user.email:
                _refuse_taken(uow.users.taken(email=changes["email"]))
        if user.update_profile(changes):
            with _unique_login_and_email():
                uow.users.save(user)
                uow.publish(events.updated(user))
                uow.commit()
    return user


def change_password(
    uow: UsersUnitOfWork, passwords: Passwords, user_id: str, current: str, new: str
) -> None:
    """Replace the password after checking the current one; every session is signed out."""
    with uow:
        user = active_user(uow, user_id, for_update=True)
        if not passwords.verify(user.password_hash, current):
            raise WrongPassword("The current password is wrong.")
        reasons = policy_violations(new, login=user.login, email=user.email)
        if reasons:
            raise WeakPassword(reasons)
        user.password_hash = passwords.hash(new)
        uow.users.save(user)
        uow.tokens.revoke_all(user.id)
        uow.commit()


def export(uow: UsersUnitOfWork, user_id: str) -> dict[str, Any]:
    """Everything held about the caller: profile, addresses and sign-in sessions."""
    with uow.reading() as reader:
        user = active_user(reader, user_id)
        return {
            "user": user,
            "addresses": reader.users.address_book(user.id).addresses,
            "sessions": reader.tokens.sessions_of(user.id),
        }


def delete_account(uow: UsersUnitOfWork, user_id: str) -> None:
    """Erase the caller's personal data, end their sessions, tell other services."""
    with uow:
        user = active_user(uow, user_id, for_update=True)
        user.anonymise()
        uow.users.save(user)
        uow.users.delete_address_book(user.id)
        uow.tokens.forget_all(user.id)
        uow.throttle.clear(f"account:{user.id}")
        uow.publish(events.deleted(user.id))
        uow.commit()


def _refuse_taken(taken: set[str]) -> None:
    if "login" in taken:
        raise LoginTaken("This login is already taken.")
    if "email" in taken:
        raise EmailTaken("This e-mail address is already registered.")


@contextmanager
def _unique_login_and_email() -> Iterator[None]:
    """Turn a unique violation that raced past the check into LoginTaken / EmailTaken."""
    try:
        yield
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "")
        if constraint == "uq_users_login":
            raise LoginTaken("This login is already taken.") from exc
        if constraint == "uq_users_email":
            raise EmailTaken("This e-mail address is already registered.") from exc
        raise
