"""outbox and inbox: the platform's branch, applied to every service's database

Revision ID: platform_0001
Revises:
"""

from mercado_platform.messaging.schema import create_messaging_tables, drop_messaging_tables

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = None


def upgrade() -> None:
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()
