"""Serve a Flask app factory under gunicorn, configured from the service's settings."""

import gc
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from mercado_platform.config import ServiceSettings

# How long an idle client connection stays open; the gateway's upstream keepalive is shorter.
KEEPALIVE_SECONDS = 5


class _Server(BaseApplication):
    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self.factory()
        gc.freeze()  # the app lives as long as the worker: keep it out of collections
        return app


def serve(factory: Callable[[], Flask], settings: ServiceSettings) -> None:
    """Run gunicorn with threaded workers until it is told to stop."""
    _Server(
        factory,
        {
            "bind": f"{settings.http_host}:{settings.http_port}",
            "workers": settings.web_concurrency,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 30,
            "graceful_timeout": 20,
            "keepalive": KEEPALIVE_SECONDS,
            "accesslog": None,
        },
    ).run()
