"""What administrators do to other accounts: list them, grant and revoke roles, disable."""

from collections.abc import Callable

from mercado_platform.pagination import PageQuery
from mercado_users.adapters.hashing import Passwords
from mercado_users.adapters.unit_of_work import UsersUnitOfWork
from mercado_users.domain.errors import AccountDeleted, UserNotFound
from mercado_users.domain.model import Status, User
from mercado_users.domain.roles import Role
from mercado_users.service_layer import events
from mercado_users.service_layer.accounts import Registration, add_account


def list_users(
    uow: UsersUnitOfWork,
    page: PageQuery,
    *,
    role: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> tuple[list[User], bool]:
    """One page of users matching the filters, and whether another page follows."""
    with uow.reading() as reader:
        return reader.users.page(page, role=role, status=status, search=search)


def get_user(uow: UsersUnitOfWork, user_id: str) -> User:
    """Any account, whatever its status."""
    with uow.reading() as reader:
        user = reader.users.get(user_id)
    if user is None:
        raise UserNotFound("No account has this id.")
    return user


def grant_role(uow: UsersUnitOfWork, user_id: str, role: Role) -> User:
    """Give a role; it is in the user's tokens from their next login or refresh."""
    return _changing(uow, user_id, lambda user: user.grant(role))


def revoke_role(uow: UsersUnitOfWork, admin_id: str, user_id: str, role: Role) -> User:
    """Take a role away; it leaves the user's tokens at their next refresh."""
    return _changing(uow, user_id, lambda user: user.revoke(role, by=admin_id))


def disable(uow: UsersUnitOfWork, admin_id: str, user_id: str, reason: str | None) -> User:
    """Stop an account from logging in, end its sessions, publish customer.disabled."""

    def _disable(user: User) -> bool:
        if not user.disable(reason, by=admin_id):
            return False
        uow.tokens.revoke_all(user.id)
        uow.publish(events.disabled(user))
        return True

    return _changing(uow, user_id, _disable)


def ensure_admin(
    uow: UsersUnitOfWork, passwords: Passwords, new: Registration
) -> tuple[User, bool]:
    """Make `new.login` an administrator, creating the account if there is none; says
    whether it was created. An existing account keeps its password."""
    with uow:
        existing = uow.users.find_by_login_or_email(new.login.lower())
        if existing is None or existing.login != new.login.lower():
            user = add_account(uow, passwords, new, roles=(Role.CUSTOMER, Role.ADMIN))
            created = True
        else:
            user = _change(uow, existing.id, lambda user: user.grant(Role.ADMIN))
            created = False
        uow.commit()
    return user, created


def _changing(uow: UsersUnitOfWork, user_id: str, edit: Callable[[User], bool]) -> User:
    with uow:
        user = _change(uow, user_id, edit)
        uow.commit()
    return user


def _change(uow: UsersUnitOfWork, user_id: str, edit: Callable[[User], bool]) -> User:
    """In `uow`: `edit` the locked user, saved when it says it changed them."""
    user = uow.users.get(user_id, for_update=True)
    if user is None:
        raise UserNotFound("No account has this id.")
    if user.status is Status.DELETED:
        raise AccountDeleted("This account was deleted.")
    if edit(user):
        uow.users.save(user)
    return user
