"""accounts, addresses, refresh tokens, login throttle, dev signing key

Revision ID: users_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "users_0001"
down_revision = None
branch_labels = ("users",)
depends_on = None


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _owner(table: str) -> sa.Column:
    return sa.Column(
        "user_id",
        UUID(as_uuid=True),
        sa.ForeignKey("users.id", name=f"fk_{table}_user_id_users", ondelete="CASCADE"),
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("login", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("phone", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("roles", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("disabled_reason", sa.Text),
        _created_at(),
        _created_at("updated_at"),
        sa.UniqueConstraint("login", name="uq_users_login"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.CheckConstraint("status IN ('active', 'disabled', 'deleted')", name="ck_users_status"),
    )
    op.create_index("ix_users_created_at", "users", ["created_at", "id"])
    op.create_index("ix_users_roles", "users", ["roles"], postgresql_using="gin")

    op.create_table(
        "addresses",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _owner("addresses"),
        sa.Column("label", sa.Text),
        sa.Column("street", sa.Text, nullable=False),
        sa.Column("number", sa.Text),
        sa.Column("complement", sa.Text),
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("state", sa.Text),
        sa.Column("postal_code", sa.Text, nullable=False),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default="false"),
        _created_at(),
    )
    op.create_index("ix_addresses_user_id", "addresses", ["user_id"])
    op.create_index(
        "uq_addresses_default",
        "addresses",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )

    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        _owner("refresh_tokens"),
        sa.Column("family_id", UUID(as_uuid=True), nullable=False),
        _created_at("issued_at"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"])
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])

    op.create_table(
        "login_throttle",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_login_throttle_window_started_at", "login_throttle", ["window_started_at"])

    op.create_table(
        "dev_signing_key",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("private_pem", sa.Text, nullable=False),
        _created_at(),
        sa.CheckConstraint("id = 1", name="ck_dev_signing_key_single_row"),
    )


def downgrade() -> None:
    for name in ("dev_signing_key", "login_throttle", "refresh_tokens", "addresses", "users"):
        op.drop_table(name)
