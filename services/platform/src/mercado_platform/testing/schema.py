"""A service's database as its tests start from it: migrated to head, disposed after."""

from collections.abc import Iterator
from contextlib import contextmanager

from mercado_platform.db import Database
from mercado_platform.migrations import upgrade
from mercado_platform.service import ServiceSpec


@contextmanager
def migrated_database(spec: ServiceSpec, database_url: str) -> Iterator[Database]:
    """Migrate `database_url` to `spec`'s head and give a Database on it until the block ends."""
    upgrade(database_url, spec.migrations, spec.metadata)
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()
