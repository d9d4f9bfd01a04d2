"""What a service declares about itself, the running instance its bootstrap builds, and the
app factory that serves it."""

import importlib
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from flask import Blueprint, Flask, current_app
from prometheus_client.registry import Collector
from sqlalchemy import MetaData

from mercado_platform.auth import JwksKeys, TokenVerifier
from mercado_platform.broker import BrokerProbe
from mercado_platform.config import ServiceSettings, load_settings
from mercado_platform.db import Database, UnitOfWork, UnitsOfWork
from mercado_platform.errors import DomainErrors, register_error_handlers
from mercado_platform.health import Check, health_blueprint
from mercado_platform.ids import init_ids
from mercado_platform.logs import init_request_ids
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.contracts import Contracts, platform_contracts
from mercado_platform.messaging.topology import RETRY_DELAY_MS, Queue, Topology, exchange_for
from mercado_platform.metrics import Metrics, OutboxBacklog
from mercado_platform.openapi import init_openapi
from mercado_platform.tracing import instrument_app
from mercado_platform.tracing import start as start_tracing
from mercado_platform.validation import init_validation

MAX_BODY_BYTES = 1024 * 1024
D = TypeVar("D")


@dataclass(frozen=True)
class ServiceCommand:
    """A command of the service's own on `mercado-<service>`, beside the platform's."""

    help: str
    run: Callable[["Service[Any]", Namespace], None]
    arguments: Callable[[ArgumentParser], None] = lambda _parser: None


@dataclass(frozen=True)
class Worker:
    """A background loop, run as `mercado-<service> <name>`: each pass does the work due
    now and says how much it did; passes repeat every `interval_setting` seconds."""

    help: str
    work: Callable[[Any, Any], int]
    """One pass, given the service's dependencies and a stop event to end a long pass early."""
    interval_setting: str
    done: str = "{} done"
    """What a pass did, for the log, `{}` standing for how much."""


@dataclass(frozen=True)
class GrpcService:
    """A gRPC service the `grpc` role serves: its descriptor (from the generated
    `*_pb2` module), the generated `add_*Servicer_to_server`, and the servicer's factory,
    given the service's dependencies."""

    descriptor: Any
    add: Callable[[Any, Any], None]
    servicer: Callable[[Any], Any]

    @property
    def name(self) -> str:
        """The full name clients call it by, e.g. `mercado.orders.v1.Orders`."""
        return self.descriptor.full_name


@dataclass(frozen=True)
class ServiceSpec(Generic[D]):
    """A service's name, settings, composition root, routes, migrations and messaging."""

    name: str
    settings_class: type[ServiceSettings]
    metadata: MetaData
    migrations: Path
    build: Callable[[Any, UnitsOfWork], D]
    """The composition root: the service's dependencies, from its settings and units of work."""
    unit_of_work: type[UnitOfWork] = UnitOfWork
    blueprints: tuple[Blueprint, ...] = ()
    errors: DomainErrors = field(default_factory=dict)
    queues: tuple[Queue, ...] = ()
    handlers: Callable[[D], Mapping[str, Mapping[str, Handler]]] = lambda _dependencies: {}
    """Queue name to event type to handler, given the dependencies."""
    workers: Mapping[str, Worker] = field(default_factory=dict)
    grpc: tuple[GrpcService, ...] = ()
    """The gRPC services of its `grpc` role (mercado_platform.rpc serves them)."""
    commands: Mapping[str, ServiceCommand] = field(default_factory=dict)
    collectors: Callable[[Database], tuple[Collector, ...]] = lambda _database: ()
    """Gauges of the service's own, read from its database when /metrics is scraped."""
    token_verifier: Callable[[D], TokenVerifier] | None = None
    """How the API verifies tokens when not through JWKS_URL (the users service signs them)."""
    publishes: bool = True
    retry_delay_ms: int = RETRY_DELAY_MS
    contracts: Contracts | None = None
    version: str = "0.1.0"

    @property
    def exchange(self) -> str:
        """The exchange this service's events are published to."""
        return exchange_for(self.name)

    @property
    def topology(self) -> Topology:
        """The exchange, queues and bindings this service needs, each queue bound to the
        exchanges of the producers of the events it reads."""
        contracts = self.contracts or platform_contracts()
        return Topology(
            self.name,
            subscriptions=tuple(queue.subscription(contracts) for queue in self.queues),
            retry_delay_ms=self.retry_delay_ms,
            publishes=self.publishes,
        )

    @property
    def roles(self) -> tuple[str, ...]:
        """The processes that run this service: its API, its gRPC API when it has one, its
        consumer when it has queues, its relay when it publishes, and each of its workers
        (commands all of them)."""
        grpc = ("grpc",) if self.grpc else ()
        consumer = ("consume",) if self.queues else ()
        relay = ("relay",) if self.publishes else ()
        return ("serve", *grpc, *consumer, *relay, *self.workers)

    def units(self, database: Database) -> UnitsOfWork:
        """The service's units of work on `database`."""
        exchange = self.exchange if self.publishes else None
        return UnitsOfWork(database, exchange, self.contracts, self.unit_of_work)

    def start(self, settings: ServiceSettings, *, pool_size: int = 5) -> "Service[D]":
        """This process's instance of the service: its database and its dependencies."""
        units = self.units(Database(settings.database_url, pool_size=pool_size))
        return Service(self, settings, units, self.build(settings, units))


@dataclass(frozen=True)
class Service(Generic[D]):
    """A service as one process runs it: settings, units of work and the dependencies its
    bootstrap built from them, once, for the API, the consumers and the workers alike."""

    spec: ServiceSpec[D]
    settings: ServiceSettings
    units: UnitsOfWork
    dependencies: D

    def handlers(self) -> Mapping[str, Mapping[str, Handler]]:
        """The handlers of every queue; each queue's must be exactly the events it reads."""
        handlers = self.spec.handlers(self.dependencies)
        for queue in self.spec.queues:
            if set(handlers.get(queue.name, {})) != set(queue.reads):
                raise ValueError(
                    f"{self.spec.name}: the handlers of {queue.name} are not the events it reads"
                )
        return handlers

    def close(self) -> None:
        """Close the database's pooled connections."""
        self.units.database.dispose()


def spec_of(service: str) -> ServiceSpec[Any]:
    """The spec of the Mercado service called `service` (its package's bootstrap)."""
    return importlib.import_module(f"mercado_{service}.bootstrap").SPEC


def create_app(spec: ServiceSpec[Any], settings: ServiceSettings | None = None) -> Flask:
    """Build the service's Flask app; settings come from the environment unless given."""
    start_tracing(spec.name, "serve")
    service = spec.start(settings or load_settings(spec.settings_class))
    app = Flask(spec.name)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mercado.service"] = service
    _init_token_verifier(app, service)
    init_request_ids(app)
    init_ids(app)
    init_validation(app)
    register_error_handlers(app, spec.errors)
    _init_metrics(app, service)
    app.register_blueprint(_health(app, service))
    for blueprint in spec.blueprints:
        app.register_blueprint(blueprint)
    init_openapi(app, title=f"Mercado {spec.name} API", version=spec.version, errors=spec.errors)
    instrument_app(app)
    return app


def _init_token_verifier(app: Flask, service: Service[Any]) -> None:
    verifier = token_verifier(service)
    if verifier is not None:
        app.extensions["mercado.verifier"] = verifier


def token_verifier(service: Service[Any]) -> TokenVerifier | None:
    """How the service verifies tokens: its own verifier, else through JWKS_URL, else none."""
    settings = service.settings
    if service.spec.token_verifier is not None:
        return service.spec.token_verifier(service.dependencies)
    if not settings.jwks_url:
        return None
    keys = JwksKeys(settings.jwks_url)
    return TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def _health(app: Flask, service: Service[Any]) -> Blueprint:
    return health_blueprint(readiness_checks(service, app.extensions.get("mercado.verifier")))


def readiness_checks(service: Service[Any], verifier: TokenVerifier | None) -> dict[str, Check]:
    """What the service needs to serve: its own database and broker, and the keys that
    verify tokens when they come from the users service (/readyz, and the gRPC health
    service)."""
    settings = service.settings
    probe = BrokerProbe(settings.amqp_url, timeout=settings.readiness_timeout_seconds)
    checks = {"database": service.units.database.ping, "broker": probe.ping}
    if verifier is not None and isinstance(verifier.keys, JwksKeys):
        # a new pod gets the keys before it takes requests, not from its first caller
        # (which would wait on the users service, or get a 503 while users restarts)
        checks["signing_keys"] = verifier.keys.load
    return checks


def _init_metrics(app: Flask, service: Service[Any]) -> None:
    metrics = Metrics(service.spec.name)
    metrics.init_app(app)
    if "outbox" in service.spec.metadata.tables:
        metrics.registry.register(OutboxBacklog(service.units.database))
    for collector in service.spec.collectors(service.units.database):
        metrics.registry.register(collector)


def running() -> Service[Any]:
    """The service instance of the current app."""
    return current_app.extensions["mercado.service"]


def dependencies() -> Any:
    """The dependencies the service's bootstrap built for the current app."""
    return running().dependencies
