"""The users service's unit of work: one transaction, and the repositories that work in it."""

from mercado_platform.db import UnitOfWork
from mercado_users.adapters.refresh_tokens import RefreshTokens
from mercado_users.adapters.repository import UserRepository
from mercado_users.adapters.throttle import ThrottleStore


class UsersUnitOfWork(UnitOfWork):
    """A transaction on the users database with its users, refresh tokens and throttle."""

    users: UserRepository
    tokens: RefreshTokens
    throttle: ThrottleStore

    def open_repositories(self) -> None:
        """The repositories, on this unit of work's connection."""
        self.users = UserRepository(self.session)
        self.tokens = RefreshTokens(self.session)
        self.throttle = ThrottleStore(self.session)
