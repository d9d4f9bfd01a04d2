"""Pure rules of the users domain: scopes, password policy, addresses, throttling."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mercado_users.domain.addresses import Address, AddressBook
from mercado_users.domain.errors import AddressNotFound, SelfLockout, TooManyAddresses
from mercado_users.domain.model import Status, User
from mercado_users.domain.passwords import policy_violations
from mercado_users.domain.roles import Role, scopes_for
from mercado_users.domain.throttle import (
    FailureCount,
    ThrottlePolicy,
    after_failure,
    seconds_locked,
)

T0 = datetime(2030, 1, 1, tzinfo=UTC)
POLICY = ThrottlePolicy(3, timedelta(minutes=15), timedelta(minutes=5))


def test_scopes_per_role_as_the_platform_defines_them():
    assert scopes_for(["customer"]) == sorted(
        ["orders:read", "orders:write", "payments:read", "notifications:read", "profile"]
    )
    assert scopes_for(["staff"]) == sorted(
        ["inventory:write", "orders:read:any", "orders:fulfil", "notifications:read:any"]
    )
    admin = set(scopes_for(["admin"]))
    assert set(scopes_for(["customer", "staff"])) < admin
    assert admin - set(scopes_for(["customer", "staff"])) == {
        "users:admin",
        "orders:write:any",
        "payments:read:any",
    }
    assert scopes_for([]) == []


def test_a_good_password_passes_the_policy():
    assert policy_violations("correct horse 42", login="maria", email="maria@example.com") == []


def test_failures_lock_at_the_limit_then_start_a_new_window():
    count = None
    for minute in range(2):
        count = after_failure(count, T0 + timedelta(minutes=minute), POLICY)
    assert count == FailureCount(2, T0, None)
    locked = after_failure(count, T0 + timedelta(minutes=2), POLICY)
    assert locked == FailureCount(0, T0 + timedelta(minutes=2), T0 + timedelta(minutes=7))
    assert seconds_locked([locked.locked_until, None], T0 + timedelta(minutes=6, seconds=30)) == 30
    assert seconds_locked([locked.locked_until], T0 + timedelta(minutes=7)) == 0


def test_failures_outside_the_window_are_forgotten():
    count = FailureCount(2, T0)
    assert after_failure(count, T0 + timedelta(minutes=16), POLICY).failures == 1


def address(**details) -> Address:
    return Address(**{"street": "s", "city": "c", "postal_code": "p", "country": "BR", **details})


def test_address_book_keeps_exactly_one_default():
    book = AddressBook([])
    first, second = book.add(address()), book.add(address())
    assert [a.is_default for a in book.addresses] == [True, False]
    book.change(second.id, {"is_default": True, "city": "Recife"})
    assert [a.is_default for a in book.addresses] == [False, True]
    book.change(second.id, {"is_default": False})
    assert [a.is_default for a in book.addresses] == [False, True], "moved, never unset"
    book.remove(second.id)
    assert book.get(first.id).is_default
    with pytest.raises(AddressNotFound):
        book.get(uuid.uuid4())


def test_address_book_has_a_limit():
    book = AddressBook([address() for _ in range(20)])
    with pytest.raises(TooManyAddresses):
        book.add(address())


def test_admins_cannot_lock_themselves_out_and_anonymising_erases_everything():
    user = User(
        login="ana",
        email="ana@example.com",
        full_name="Ana",
        password_hash="h",
        phone="1",
        roles={"customer", "admin"},
    )
    with pytest.raises(SelfLockout):
        user.revoke(Role.ADMIN, by=user.id)
    with pytest.raises(SelfLockout):
        user.disable("x", by=user.id)
    user.anonymise()
    assert user.status is Status.DELETED and user.roles == set()
    assert "ana" not in f"{user.login} {user.email} {user.full_name} {user.phone}"
