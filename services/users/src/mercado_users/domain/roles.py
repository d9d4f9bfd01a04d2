"""Roles and the scopes (permissions) each one grants in an access token."""

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """What a user may be; a user holds any number of roles."""

    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"


CUSTOMER_SCOPES = ("orders:read", "orders:write", "payments:read", "notifications:read", "profile")
STAFF_SCOPES = ("inventory:write", "orders:read:any", "orders:fulfil", "notifications:read:any")
ADMIN_SCOPES = (
    *CUSTOMER_SCOPES,
    *STAFF_SCOPES,
    "users:admin",
    "orders:write:any",
    "payments:read:any",
)

ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.CUSTOMER: CUSTOMER_SCOPES,
    Role.STAFF: STAFF_SCOPES,
    Role.ADMIN: ADMIN_SCOPES,
}


def scopes_for(roles: Iterable[str]) -> list[str]:
    """Every scope the given roles grant, sorted and without repeats."""
    return sorted({scope for role in roles for scope in ROLE_SCOPES.get(Role(role), ())})
