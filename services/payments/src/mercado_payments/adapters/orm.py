"""Tables of the payments service's own database."""

from mercado_platform.db import new_metadata

metadata = new_metadata()
