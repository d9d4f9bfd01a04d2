"""The `mercado-<service>` command: serve, migrate, revision."""

import argparse
import logging
import sys
from collections.abc import Sequence

from alembic import command

from mercado_platform.config import ConfigError, load_settings
from mercado_platform.gunicorn import serve
from mercado_platform.logs import configure_logging
from mercado_platform.migrations import alembic_config, upgrade, wait_for_database
from mercado_platform.service import ServiceSpec, create_app

log = logging.getLogger(__name__)


def run(spec: ServiceSpec, argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; configuration errors exit 2 with the reason."""
    parser = argparse.ArgumentParser(prog=f"mercado-{spec.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the HTTP API under gunicorn")
    migrate = commands.add_parser("migrate", help="wait for the database, then migrate it")
    migrate.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for it")
    revision = commands.add_parser("revision", help="write a new migration")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(spec.settings_class)
    except ConfigError as exc:
        print(f"mercado-{spec.name}: {exc}", file=sys.stderr)
        return 2
    configure_logging(spec.name, settings.log_level)
    if args.command == "serve":
        serve(lambda: create_app(spec, settings), settings)
    elif args.command == "migrate":
        wait_for_database(settings.database_url, timeout=args.timeout)
        upgrade(settings.database_url, spec.migrations, spec.metadata)
        log.info("database migrated to head")
    else:
        config = alembic_config(settings.database_url, spec.migrations, spec.metadata)
        command.revision(config, message=args.message, autogenerate=args.autogenerate)
    return 0
