"""A user account: identity, profile, roles and status."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mercado_platform.ids import new_id
from mercado_users.domain.errors import AccountInactive, SelfLockout
from mercado_users.domain.roles import Role


class Status(StrEnum):
    """Where an account is in its life."""

    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


@dataclass
class User:
    """An account; its id is the `customer_id` other services know the customer by."""

    login: str
    email: str
    full_name: str
    password_hash: str
    phone: str | None = None
    roles: set[str] = field(default_factory=lambda: {Role.CUSTOMER.value})
    status: Status = Status.ACTIVE
    disabled_reason: str | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def active(self) -> bool:
        """True while the account may log in and act."""
        return self.status is Status.ACTIVE

    def ensure_active(self) -> None:
        """Raise AccountInactive unless the account is active."""
        if not self.active:
            raise AccountInactive(f"The account is {self.status.value}.")

    def update_profile(self, changes: dict[str, str | None]) -> bool:
        """Apply e-mail, name or phone changes; True if anything changed."""
        changed = False
        for name in ("email", "full_name", "phone"):
            if name in changes and getattr(self, name) != changes[name]:
                setattr(self, name, changes[name])
                changed = True
        return changed

    def grant(self, role: Role) -> bool:
        """Give the user `role`; True if they did not have it."""
        had = role.value in self.roles
        self.roles.add(role.value)
        return not had

    def revoke(self, role: Role, *, by: str) -> bool:
        """Take `role` away; an admin cannot drop their own admin role. True if it changed."""
        if role is Role.ADMIN and by == self.id:
            raise SelfLockout("You cannot revoke your own admin role.")
        had = role.value in self.roles
        self.roles.discard(role.value)
        return had

    def disable(self, reason: str | None, *, by: str) -> bool:
        """Stop the account from logging in; True if it was active."""
        if by == self.id:
            raise SelfLockout("You cannot disable your own account.")
        if self.status is not Status.ACTIVE:
            return False
        self.status, self.disabled_reason = Status.DISABLED, reason
        return True

    def anonymise(self) -> None:
        """Erase every personal detail, keeping only the id as a tombstone."""
        tombstone = self.id.replace("-", "")
        self.login = f"deleted-{tombstone}"
        self.email = f"{tombstone}@deleted.invalid"
        self.full_name = ""
        self.phone = None
        self.password_hash = ""
        self.roles = set()
        self.status = Status.DELETED
        self.disabled_reason = None
