"""Tables of the users service's own database."""

from mercado_platform.db import new_metadata
from mercado_platform.messaging.schema import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
