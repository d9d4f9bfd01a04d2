"""Tables of the inventory service's own database."""

from mercado_platform.db import new_metadata

metadata = new_metadata()
