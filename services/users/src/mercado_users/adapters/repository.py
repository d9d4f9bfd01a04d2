"""Loading and saving users and their addresses with SQLAlchemy Core."""

from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from mercado_platform.db import containing
from mercado_platform.ids import canonical_id
from mercado_platform.pagination import PageQuery, fetch_page
from mercado_users.adapters.tables import addresses, users
from mercado_users.domain.addresses import Address, AddressBook
from mercado_users.domain.model import Status, User

_USER_FIELDS = ("login", "email", "full_name", "phone", "password_hash", "disabled_reason")
_ADDRESS_FIELDS = tuple(c.name for c in addresses.c if c.name not in {"user_id", "created_at"})


class UserRepository:
    """Users and their address books, on one unit of work's session."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        """The user with this id (None for one that is not even an id); `for_update` locks
        the row until the transaction ends."""
        if canonical_id(user_id) is None:
            return None
        statement = select(users).where(users.c.id == user_id)
        row = self.session.execute(statement.with_for_update() if for_update else statement).first()
        return _user(row._mapping) if row else None

    def get_many(self, user_ids: list[str]) -> list[User]:
        """The users with these ids, in the order given."""
        rows = self.session.execute(select(users).where(users.c.id.in_(user_ids))).all()
        by_id = {row.id: _user(row._mapping) for row in rows}
        return [by_id[user_id] for user_id in user_ids if user_id in by_id]

    def page(
        self,
        page: PageQuery,
        *,
        role: str | None = None,
        status: str | None = None,
        search: str | None = None,
    ) -> tuple[list[User], bool]:
        """One page of the users matching the filters, in a stable order; whether more
        follow."""
        statement = select(users.c.id).order_by(users.c.created_at, users.c.id)
        if role:
            statement = statement.where(users.c.roles.contains([role]))
        if status:
            statement = statement.where(users.c.status == status)
        if search:
            pattern = containing(search)
            statement = statement.where(
                or_(users.c.login.ilike(pattern), users.c.email.ilike(pattern))
            )
        ids, more = fetch_page(self.session, statement, page)
        return self.get_many(ids), more

    def find_by_login_or_email(self, identifier: str) -> User | None:
        """The user whose login or e-mail is `identifier` (already lower-cased)."""
        row = self.session.execute(
            select(users).where(or_(users.c.login == identifier, users.c.email == identifier))
        ).first()
        return _user(row._mapping) if row else None

    def taken(self, *, login: str | None = None, email: str | None = None) -> set[str]:
        """Which of `login` / `email` another account already uses."""
        found = set()
        if login and self.session.scalar(select(users.c.id).where(users.c.login == login)):
            found.add("login")
        if email and self.session.scalar(select(users.c.id).where(users.c.email == email)):
            found.add("email")
        return found

    def add(self, user: User) -> None:
        """Insert a new user."""
        self.session.execute(insert(users).values(id=user.id, **_user_row(user)))

    def save(self, user: User) -> None:
        """Write back every field of an existing user."""
        self.session.execute(
            update(users)
            .where(users.c.id == user.id)
            .values(**_user_row(user), updated_at=func.now())
        )

    def address_book(self, user_id: str) -> AddressBook:
        """The user's addresses, oldest first."""
        rows = self.session.execute(
            select(addresses)
            .where(addresses.c.user_id == user_id)
            .order_by(addresses.c.created_at, addresses.c.id)
        ).all()
        return AddressBook([_address(row._mapping) for row in rows])

    def save_address_book(self, user_id: str, book: AddressBook) -> None:
        """Make the stored addresses those of `book`; the default flag moves without ever
        having two defaults at once."""
        kept = [address.id for address in book.addresses]
        owned = addresses.c.user_id == user_id
        self.session.execute(delete(addresses).where(owned, addresses.c.id.not_in(kept)))
        self.session.execute(update(addresses).where(owned).values(is_default=False))
        stored = set(self.session.scalars(select(addresses.c.id).where(owned)))
        for address in book.addresses:
            values = {name: getattr(address, name) for name in _ADDRESS_FIELDS}
            if address.id in stored:
                self.session.execute(
                    update(addresses).where(addresses.c.id == address.id).values(**values)
                )
            else:
                self.session.execute(insert(addresses).values(user_id=user_id, **values))

    def delete_address_book(self, user_id: str) -> None:
        """Erase every address of the user."""
        self.session.execute(delete(addresses).where(addresses.c.user_id == user_id))


def _user(row: Any) -> User:
    return User(
        id=row["id"],
        roles=set(row["roles"]),
        status=Status(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        **{name: row[name] for name in _USER_FIELDS},
    )


def _user_row(user: User) -> dict[str, Any]:
    values = {name: getattr(user, name) for name in _USER_FIELDS}
    return values | {"roles": sorted(user.roles), "status": user.status.value}


def _address(row: Any) -> Address:
    return Address(**{name: row[name] for name in _ADDRESS_FIELDS})
