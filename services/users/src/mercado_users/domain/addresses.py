"""A customer's addresses: several per customer, exactly one default while any exist."""

from dataclasses import dataclass, field, fields, replace
from typing import Any

from mercado_platform.ids import new_id
from mercado_users.domain.errors import AddressNotFound, TooManyAddresses

MAX_ADDRESSES = 20


@dataclass(frozen=True)
class Address:
    """A postal address of one customer."""

    street: str
    city: str
    postal_code: str
    country: str
    label: str | None = None
    number: str | None = None
    complement: str | None = None
    state: str | None = None
    is_default: bool = False
    id: str = field(default_factory=new_id)


DETAILS = tuple(f.name for f in fields(Address) if f.name not in {"id", "is_default"})


class AddressBook:
    """All addresses of one customer, in creation order, keeping the one-default rule."""

    def __init__(self, addresses: list[Address]) -> None:
        self.addresses = list(addresses)

    def get(self, address_id: str) -> Address:
        """The address with this id, or AddressNotFound."""
        for address in self.addresses:
            if address.id == address_id:
                return address
        raise AddressNotFound("You have no address with this id.")

    def add(self, address: Address) -> Address:
        """Add an address; the first one, or one asked to be, becomes the default."""
        if len(self.addresses) >= MAX_ADDRESSES:
            raise TooManyAddresses(f"You can keep at most {MAX_ADDRESSES} addresses.")
        address = replace(address, is_default=address.is_default or not self.addresses)
        self.addresses.append(address)
        if address.is_default:
            self._make_default(address.id)
        return address

    def change(self, address_id: str, changes: dict[str, Any]) -> Address:
        """Change an address's details; `is_default: true` makes it the default."""
        current = self.get(address_id)
        details = {name: value for name, value in changes.items() if name in DETAILS}
        updated = replace(current, **details)
        self.addresses[self.addresses.index(current)] = updated
        if changes.get("is_default"):
            self._make_default(address_id)
        return self.get(address_id)

    def remove(self, address_id: str) -> None:
        """Delete an address; when it was the default, the oldest remaining one takes over."""
        removed = self.get(address_id)
        self.addresses.remove(removed)
        if removed.is_default and self.addresses:
            self._make_default(self.addresses[0].id)

    def _make_default(self, address_id: str) -> None:
        self.addresses = [replace(a, is_default=a.id == address_id) for a in self.addresses]
