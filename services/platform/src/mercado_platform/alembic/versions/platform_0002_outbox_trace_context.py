"""the outbox keeps each event's W3C trace context, for the relay to publish under

Revision ID: platform_0002
Revises: platform_0001
"""

from mercado_platform.messaging.schema import add_trace_columns, drop_trace_columns

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_trace_columns()


def downgrade() -> None:
    drop_trace_columns()
