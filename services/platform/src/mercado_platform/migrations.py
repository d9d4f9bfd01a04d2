"""Alembic, run programmatically: one shared env.py and two branches per database, the
platform's (outbox, inbox) and the service's own (`branch_labels = ("<service>",)`)."""

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool, text
from tenacity import before_sleep_log, retry, stop_after_delay, wait_exponential_jitter

from mercado_platform.db import sqlalchemy_url

log = logging.getLogger(__name__)
SCRIPT_LOCATION = Path(__file__).parent / "alembic"
PLATFORM_VERSIONS = SCRIPT_LOCATION / "versions"


def alembic_config(database_url: str, versions: Path, metadata: MetaData) -> Config:
    """An Alembic config for one service's database and versions folder."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("version_locations", f"{PLATFORM_VERSIONS}{os.pathsep}{versions}")
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = sqlalchemy_url(database_url)
    config.attributes["target_metadata"] = metadata
    return config


def upgrade(database_url: str, versions: Path, metadata: MetaData, revision: str = "heads") -> None:
    """Bring both branches to `revision` (serialised by an advisory lock in env.py)."""
    command.upgrade(alembic_config(database_url, versions, metadata), revision)


def wait_for_database(database_url: str, timeout: float = 60.0) -> None:
    """Block until the database accepts connections, retrying with backoff up to `timeout`."""

    @retry(
        stop=stop_after_delay(timeout),
        wait=wait_exponential_jitter(initial=0.2, max=5),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    def _ping() -> None:
        engine = create_engine(
            sqlalchemy_url(database_url),
            poolclass=pool.NullPool,
            connect_args={"connect_timeout": 3},
        )
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()

    _ping()


def new_revision(
    database_url: str,
    versions: Path,
    metadata: MetaData,
    branch: str,
    message: str,
    autogenerate: bool,
) -> None:
    """Write the next migration of `branch`, starting the branch if it has none yet."""
    config = alembic_config(database_url, versions, metadata)
    has_branch = any(path.suffix == ".py" for path in versions.glob("*.py"))
    command.revision(
        config,
        message=message,
        autogenerate=autogenerate,
        head=f"{branch}@head" if has_branch else "base",
        branch_label=None if has_branch else branch,
        version_path=str(versions),
    )
