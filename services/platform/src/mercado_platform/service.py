"""What a service declares about itself, and the app factory that wires it."""

import threading
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy import MetaData

from mercado_platform.auth import JwksKeys, TokenVerifier
from mercado_platform.broker import BrokerProbe
from mercado_platform.config import ServiceSettings, load_settings
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.errors import register_error_handlers
from mercado_platform.health import health_blueprint
from mercado_platform.logs import init_request_ids
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.contracts import Contracts
from mercado_platform.messaging.topology import Topology, exchange_for
from mercado_platform.metrics import Metrics, OutboxBacklog
from mercado_platform.openapi import init_openapi

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ServiceCommand:
    """A command of the service's own on `mercado-<service>`, beside the platform's."""

    help: str
    run: Callable[["ServiceSpec", ServiceSettings, Namespace], None]
    arguments: Callable[[ArgumentParser], None] = lambda _parser: None


Worker = Callable[["ServiceSpec", ServiceSettings, threading.Event], None]
"""A loop run beside the consumers by `consume`, until the event given to it is set."""


@dataclass(frozen=True)
class ServiceSpec:
    """A service's name, settings, routes, migrations and messaging: all the wiring needs."""

    name: str
    settings_class: type[ServiceSettings]
    metadata: MetaData
    migrations: Path
    blueprints: Callable[[], Iterable[Blueprint]] = lambda: ()
    topology: Topology | None = None
    handlers: Mapping[str, Mapping[str, Handler]] = field(default_factory=dict)
    reads: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    contracts: Contracts | None = None
    commands: Mapping[str, ServiceCommand] = field(default_factory=dict)
    workers: Mapping[str, Worker] = field(default_factory=dict)
    version: str = "0.1.0"

    @property
    def exchange(self) -> str:
        """The exchange this service's events are published to."""
        return exchange_for(self.name)


def create_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> Flask:
    """Build the service's Flask app; settings come from the environment unless given."""
    settings = settings or load_settings(spec.settings_class)
    app = Flask(spec.name)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mercado.settings"] = settings
    database = Database(settings.database_url)
    app.extensions["mercado.db"] = database
    app.extensions["mercado.spec"] = spec
    if settings.jwks_url:
        keys = JwksKeys(settings.jwks_url)
        verifier = TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        app.extensions["mercado.verifier"] = verifier
    init_request_ids(app)
    register_error_handlers(app)
    metrics = Metrics(spec.name)
    metrics.init_app(app)
    if "outbox" in spec.metadata.tables:
        metrics.registry.register(OutboxBacklog(database))
    probe = BrokerProbe(settings.amqp_url, timeout=settings.readiness_timeout_seconds)
    app.register_blueprint(health_blueprint({"database": database.ping, "broker": probe.ping}))
    for blueprint in spec.blueprints():
        app.register_blueprint(blueprint)
    init_openapi(app, title=f"Mercado {spec.name} API", version=spec.version)
    return app


def unit_of_work() -> UnitOfWork:
    """A new unit of work on the current app's database, publishing to its exchange."""
    spec: ServiceSpec = current_app.extensions["mercado.spec"]
    return UnitOfWork(current_app.extensions["mercado.db"], spec.exchange, spec.contracts)
