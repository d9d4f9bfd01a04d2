"""What administrators do to other accounts: list them, grant and revoke roles, disable."""

import uuid
from collections.abc import Callable

from mercado_platform.db import UnitOfWork
from mercado_platform.pagination import PageQuery, fetch_page
from mercado_users.adapters.hashing import Passwords
from mercado_users.adapters.refresh_tokens import RefreshTokens
from mercado_users.adapters.repository import UserRepository, listing
from mercado_users.domain.errors import AccountDeleted, UserNotFound
from mercado_users.domain.model import Status, User
from mercado_users.domain.roles import Role
from mercado_users.service_layer import events
from mercado_users.service_layer.accounts import Registration, register


def list_users(
    uow: UnitOfWork,
    page: PageQuery,
    *,
    role: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> tuple[list[User], bool]:
    """One page of users matching the filters, and whether another page follows."""
    ids, more = fetch_page(uow.session, listing(role=role, status=status, search=search), page)
    return UserRepository(uow.session).get_many(ids), more


def get_user(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """Any account, whatever its status."""
    user = UserRepository(uow.session).get(user_id)
    if user is None:
        raise UserNotFound("No account has this id.")
    return user


def grant_role(uow: UnitOfWork, user_id: uuid.UUID, role: Role) -> User:
    """Give a role; it is in the user's tokens from their next login or refresh."""
    return _change(uow, user_id, lambda user: user.grant(role))


def revoke_role(uow: UnitOfWork, admin_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> User:
    """Take a role away; it leaves the user's tokens at their next refresh."""
    return _change(uow, user_id, lambda user: user.revoke(role, by=admin_id))


def disable(uow: UnitOfWork, admin_id: uuid.UUID, user_id: uuid.UUID, reason: str | None) -> User:
    """Stop an account from logging in, end its sessions, publish customer.disabled."""

    def _disable(user: User) -> bool:
        if not user.disable(reason, by=admin_id):
            return False
        RefreshTokens(uow.session).revoke_all(user.id)
        uow.publish(events.disabled(user))
        return True

    return _change(uow, user_id, _disable)


def _change(uow: UnitOfWork, user_id: uuid.UUID, edit: Callable[[User], bool]) -> User:
    users = UserRepository(uow.session)
    user = users.get(user_id, for_update=True)
    if user is None:
        raise UserNotFound("No account has this id.")
    if user.status is Status.DELETED:
        raise AccountDeleted("This account was deleted.")
    if edit(user):
        users.save(user)
        uow.commit()
    return user


def ensure_admin(uow: UnitOfWork, passwords: Passwords, new: Registration) -> tuple[User, bool]:
    """Make `new.login` an administrator, creating the account if there is none; says
    whether it was created. An existing account keeps its password."""
    existing = UserRepository(uow.session).find_by_login_or_email(new.login.lower())
    if existing is None or existing.login != new.login.lower():
        return register(uow, passwords, new, roles=(Role.CUSTOMER, Role.ADMIN)), True
    return grant_role(uow, existing.id, Role.ADMIN), False
