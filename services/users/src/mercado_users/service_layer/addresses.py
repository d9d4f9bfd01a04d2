"""A customer's own address book; every change publishes customer.address_changed."""

import uuid
from collections.abc import Callable
from typing import Any

from mercado_platform.db import UnitOfWork
from mercado_users.adapters.repository import UserRepository
from mercado_users.domain.addresses import Address, AddressBook
from mercado_users.service_layer import events
from mercado_users.service_layer.accounts import active_user


def list_addresses(uow: UnitOfWork, user_id: uuid.UUID) -> list[Address]:
    """The caller's addresses, oldest first."""
    active_user(uow, user_id)
    return UserRepository(uow.session).address_book(user_id).addresses


def get_address(uow: UnitOfWork, user_id: uuid.UUID, address_id: uuid.UUID) -> Address:
    """One of the caller's addresses."""
    active_user(uow, user_id)
    return UserRepository(uow.session).address_book(user_id).get(address_id)


def add_address(uow: UnitOfWork, user_id: uuid.UUID, address: Address) -> Address:
    """Add an address (the first one becomes the default)."""
    return _change(uow, user_id, lambda book: book.add(address))


def change_address(
    uow: UnitOfWork, user_id: uuid.UUID, address_id: uuid.UUID, changes: dict[str, Any]
) -> Address:
    """Change an address; `is_default: true` moves the default to it."""
    return _change(uow, user_id, lambda book: book.change(address_id, changes))


def remove_address(uow: UnitOfWork, user_id: uuid.UUID, address_id: uuid.UUID) -> None:
    """Delete an address; the oldest remaining one becomes the default if needed."""
    _change(uow, user_id, lambda book: book.remove(address_id))


def _change(
    uow: UnitOfWork, user_id: uuid.UUID, edit: Callable[[AddressBook], Address | None]
) -> Any:
    """Apply `edit` to the book under the user's row lock, save, publish, commit."""
    active_user(uow, user_id, for_update=True)
    users = UserRepository(uow.session)
    book = users.address_book(user_id)
    result = edit(book)
    users.save_address_book(user_id, book)
    uow.publish(events.addresses_changed(user_id, book.addresses))
    uow.commit()
    return result
