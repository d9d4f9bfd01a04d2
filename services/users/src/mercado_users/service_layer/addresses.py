"""A customer's own address book; every change publishes customer.address_changed."""

from collections.abc import Callable
from typing import Any

from mercado_users.adapters.unit_of_work import UsersUnitOfWork
from mercado_users.domain.addresses import Address, AddressBook
from mercado_users.service_layer import events
from mercado_users.service_layer.accounts import active_user


def list_addresses(uow: UsersUnitOfWork, user_id: str) -> list[Address]:
    """The caller's addresses, oldest first."""
    with uow.reading() as reader:
        active_user(reader, user_id)
        return reader.users.address_book(user_id).addresses


def get_address(uow: UsersUnitOfWork, user_id: str, address_id: str) -> Address:
    """One of the caller's addresses."""
    with uow.reading() as reader:
        active_user(reader, user_id)
        return reader.users.address_book(user_id).get(address_id)


def add_address(uow: UsersUnitOfWork, user_id: str, address: Address) -> Address:
    """Add an address (the first one becomes the default)."""
    return _change(uow, user_id, lambda book: book.add(address))


def change_address(
    uow: UsersUnitOfWork, user_id: str, address_id: str, changes: dict[str, Any]
) -> Address:
    """Change an address; `is_default: true` moves the default to it."""
    return _change(uow, user_id, lambda book: book.change(address_id, changes))


def remove_address(uow: UsersUnitOfWork, user_id: str, address_id: str) -> None:
    """Delete an address; the oldest remaining one becomes the default if needed."""
    _change(uow, user_id, lambda book: book.remove(address_id))


def _change(
    uow: UsersUnitOfWork, user_id: str, edit: Callable[[AddressBook], Address | None]
) -> Any:
    """Apply `edit` to the book under the user's row lock, save, publish, commit."""
    with uow:
        active_user(uow, user_id, for_update=True)
        book = uow.users.address_book(user_id)
        result = edit(book)
        uow.users.save_address_book(user_id, book)
        uow.publish(events.addresses_changed(user_id, book.addresses))
        uow.commit()
    return result
