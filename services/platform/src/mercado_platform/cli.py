"""The `mercado-<service>` command: serve, grpc, migrate, relay, consume, declare, replay,
revision, the service's workers, and the commands it declares in its spec."""

import argparse
import gc
import logging
import sys
from collections.abc import Sequence

import pika
from sqlalchemy.exc import OperationalError

from mercado_platform.broker import connection_parameters
from mercado_platform.config import ConfigError, ServiceSettings, load_settings
from mercado_platform.gunicorn import serve
from mercado_platform.logs import configure_logging
from mercado_platform.messaging.replay import replay
from mercado_platform.messaging.topology import declare
from mercado_platform.migrations import new_revision, upgrade, wait_for_database
from mercado_platform.service import ServiceSpec, create_app
from mercado_platform.tracing import start as start_tracing
from mercado_platform.workers import run_consumers, run_relay, run_worker, stop_on_signals

log = logging.getLogger(__name__)
LONG_RUNNING = frozenset({"serve", "grpc", "relay", "consume"})


def run(spec: ServiceSpec, argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; configuration errors exit 2 with the reason."""
    args = _parser(spec).parse_args(argv)
    try:
        settings = load_settings(spec.settings_class)
    except ConfigError as exc:
        print(f"mercado-{spec.name}: {exc}", file=sys.stderr)
        return 2
    configure_logging(spec.name, settings.log_level)
    try:
        if args.command in LONG_RUNNING or args.command in spec.workers:
            start_tracing(spec.name, args.command)
    except ConfigError as exc:
        print(f"mercado-{spec.name}: {exc}", file=sys.stderr)
        return 2
    if args.command in COMMANDS:
        gc.freeze()  # what start-up built lives as long as the process: no need to walk it
        COMMANDS[args.command](spec, settings, args)
    else:
        _run_service(spec, settings, args)
    return 0


def _run_service(spec: ServiceSpec, settings: ServiceSettings, args: argparse.Namespace) -> None:
    """The commands that run the service's own code: grpc, consume, its workers and
    commands."""
    pool_size = 1 if args.command in spec.workers else 5
    if args.command == "grpc":
        pool_size = settings.grpc_threads
    service = spec.start(settings, pool_size=pool_size)
    gc.freeze()
    try:
        if args.command == "consume":
            run_consumers(service, args.queue)
        elif args.command == "grpc":
            from mercado_platform.rpc.server import run_grpc  # grpcio only where served

            run_grpc(service, stop_on_signals())
        elif args.command in spec.workers:
            done = run_worker(service, args.command, once=args.once, interval=args.interval)
            if args.once:
                print(spec.workers[args.command].done.format(done))
        else:
            spec.commands[args.command].run(service, args)
    finally:
        service.close()


def _parser(spec: ServiceSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"mercado-{spec.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the HTTP API under gunicorn")
    if spec.grpc:
        commands.add_parser("grpc", help="serve the gRPC API, its health and reflection")
    migrate = commands.add_parser("migrate", help="wait for the database, then migrate it")
    migrate.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for it")
    revision = commands.add_parser("revision", help="write a new migration")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    commands.add_parser("relay", help="publish committed events from the outbox")
    consume = commands.add_parser("consume", help="handle events from the service's queues")
    consume.add_argument("--queue", action="append", help="only this queue (repeatable)")
    commands.add_parser("declare", help="declare the service's exchange and queues (dev/tests)")
    replay_parser = commands.add_parser("replay", help="move dead letters back to their queue")
    replay_parser.add_argument("--queue", required=True)
    replay_parser.add_argument("--id", action="append", help="only this message id (repeatable)")
    for name, worker in spec.workers.items():
        parser_of_worker = commands.add_parser(name, help=worker.help)
        parser_of_worker.add_argument("--once", action="store_true", help="one pass, then exit")
        parser_of_worker.add_argument(
            "--interval",
            type=float,
            help=f"seconds between passes (default: {worker.interval_setting.upper()})",
        )
    for name, command in spec.commands.items():
        command.arguments(commands.add_parser(name, help=command.help))
    return parser


def _serve(spec: ServiceSpec, settings: ServiceSettings, _args: argparse.Namespace) -> None:
    serve(lambda: create_app(spec, settings), settings)


def _migrate(spec: ServiceSpec, settings: ServiceSettings, args: argparse.Namespace) -> None:
    try:
        wait_for_database(settings.database_url, timeout=args.timeout)
    except OperationalError as exc:
        raise SystemExit(
            f"mercado-{spec.name}: the database did not answer within {args.timeout:.0f}s: {exc}"
        ) from None
    upgrade(settings.database_url, spec.migrations, spec.metadata)
    log.info("database migrated to the heads of the platform and service branches")


def _revision(spec: ServiceSpec, settings: ServiceSettings, args: argparse.Namespace) -> None:
    new_revision(
        settings.database_url,
        spec.migrations,
        spec.metadata,
        spec.name,
        args.message,
        args.autogenerate,
    )


def _declare(spec: ServiceSpec, settings: ServiceSettings, _args: argparse.Namespace) -> None:
    connection = pika.BlockingConnection(connection_parameters(settings.amqp_url, name="declare"))
    try:
        declare(connection.channel(), spec.topology)
    finally:
        connection.close()
    log.info("declared the topology of %s", spec.name)


def _replay(_spec: ServiceSpec, settings: ServiceSettings, args: argparse.Namespace) -> None:
    moved = replay(settings.amqp_url, args.queue, set(args.id) if args.id else None)
    print(f"replayed {moved} message(s) from {args.queue}.dlq to {args.queue}")


COMMANDS = {
    "serve": _serve,
    "migrate": _migrate,
    "revision": _revision,
    "relay": lambda _spec, settings, _args: run_relay(settings),
    "declare": _declare,
    "replay": _replay,
}
