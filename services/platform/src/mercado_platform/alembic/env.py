"""Shared Alembic environment: the URL and metadata come from the caller's config."""

from alembic import context
from sqlalchemy import create_engine, pool, text

MIGRATION_LOCK = 7_316_470_001  # pg advisory lock id: one migrator at a time per database

config = context.config
url = config.attributes["database_url"]
metadata = config.attributes["target_metadata"]

if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK})
        connection.commit()
        try:
            context.configure(connection=connection, target_metadata=metadata, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK})
            connection.commit()
    engine.dispose()
