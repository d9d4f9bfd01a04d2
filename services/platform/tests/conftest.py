from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from flask import Blueprint, Flask

from mercado_platform.config import ServiceSettings
from mercado_platform.db import new_metadata
from mercado_platform.errors import DomainErrors
from mercado_platform.service import ServiceSpec, create_app

UNREACHABLE = {
    "database_url": "postgresql://nobody@127.0.0.1:9/none",
    "amqp_url": "amqp://127.0.0.1:9/",
}


@pytest.fixture
def make_app() -> Callable[..., Flask]:
    """Build a service app around test blueprints; URLs default to unreachable ones."""

    def build(
        blueprints: Iterable[Blueprint] = (), errors: DomainErrors | None = None, **settings: object
    ) -> Flask:
        spec = ServiceSpec(
            name="testsvc",
            settings_class=ServiceSettings,
            metadata=new_metadata(),
            migrations=Path(__file__).parent / "versions",
            build=lambda _settings, units: units,
            blueprints=tuple(blueprints),
            errors=errors or {},
        )
        app = create_app(spec, ServiceSettings(**{**UNREACHABLE, **settings}))
        app.testing = True
        return app

    return build
