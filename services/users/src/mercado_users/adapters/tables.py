"""Tables of the users service's own database."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from mercado_platform.db import service_metadata

metadata = service_metadata()


def _created_at() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("login", Text, nullable=False, unique=True),
    Column("email", Text, nullable=False, unique=True),
    Column("full_name", Text, nullable=False),
    Column("phone", Text),
    Column("password_hash", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False, server_default="{}"),
    Column("status", Text, nullable=False, server_default="active"),
    Column("disabled_reason", Text),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('active', 'disabled', 'deleted')", name="status"),
)
Index("ix_users_created_at", users.c.created_at, users.c.id)
Index("ix_users_roles", users.c.roles, postgresql_using="gin")

addresses = Table(
    "addresses",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id", ondelete="CASCADE"), index=True),
    Column("label", Text),
    Column("street", Text, nullable=False),
    Column("number", Text),
    Column("complement", Text),
    Column("city", Text, nullable=False),
    Column("state", Text),
    Column("postal_code", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default="false"),
    _created_at(),
)
# one default per customer, whatever the concurrency
Index("uq_addresses_default", addresses.c.user_id, unique=True, postgresql_where=text("is_default"))

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id", ondelete="CASCADE"), index=True),
    Column("family_id", UUID(as_uuid=False), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True), nullable=False, index=True),
    Column("locked_until", DateTime(timezone=True)),
)

dev_signing_key = Table(
    "dev_signing_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("private_pem", Text, nullable=False),
    _created_at(),
    CheckConstraint("id = 1", name="single_row"),
)
