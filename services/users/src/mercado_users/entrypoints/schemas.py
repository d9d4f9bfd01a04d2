"""Request bodies and query strings of the users API, as pydantic models."""

from typing import Annotated

from pydantic import Field, StringConstraints

from mercado_platform.pagination import PageQuery
from mercado_platform.validation import ApiModel
from mercado_users.domain.model import Status
from mercado_users.domain.roles import Role

Login = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$")]
# no spaces nor control characters (NUL included) around the @ and the dot
Email = Annotated[
    str,
    StringConstraints(
        max_length=254, pattern=r"^[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+$"
    ),
]
# passwords are taken exactly as typed, as every text is
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 ()-]{5,24}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class NewUser(ApiModel):
    """A registration: login and e-mail are unique; the password follows the policy."""

    login: Login
    email: Email
    password: Password
    full_name: Name
    phone: Phone | None = None


class Credentials(ApiModel):
    """A login (or e-mail) and password."""

    login: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Password


class RefreshToken(ApiModel):
    """A refresh token from an earlier login or refresh."""

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ProfileChanges(ApiModel):
    """The profile fields to change; `phone: null` removes the phone number. A field left
    out keeps its value (so e-mail and name take no null)."""

    email: Email = Field(None)
    full_name: Name = Field(None)
    phone: Phone | None = None


class PasswordChange(ApiModel):
    """The current password, to prove it is you, and the new one."""

    current_password: Password
    new_password: Password


class NewAddress(ApiModel):
    """A postal address; `country` is an ISO 3166-1 alpha-2 code."""

    street: Text
    city: Text
    postal_code: Short
    country: Country
    label: Short | None = None
    number: Short | None = None
    complement: Text | None = None
    state: Short | None = None
    is_default: bool = False


class AddressChanges(ApiModel):
    """The address fields to change; `is_default: true` makes it the default address. A
    field left out keeps its value (so street, city, postal code, country and is_default
    take no null)."""

    street: Text = Field(None)
    city: Text = Field(None)
    postal_code: Short = Field(None)
    country: Country = Field(None)
    label: Short | None = None
    number: Short | None = None
    complement: Text | None = None
    state: Short | None = None
    is_default: bool = Field(None)


class Disable(ApiModel):
    """Why the account is disabled (optional; sent in customer.disabled)."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None


class UserQuery(PageQuery):
    """Filters of the admin listing: role, status, and a search in login and e-mail."""

    role: Role | None = None
    status: Status | None = None
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = None
