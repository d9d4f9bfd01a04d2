"""Liveness and readiness: readiness checks only this service's own database and broker."""

import logging
from collections.abc import Callable, Mapping

from flask import Blueprint, Response, jsonify

from mercado_platform.openapi import answers

log = logging.getLogger(__name__)

Check = Callable[[], None]


def health_blueprint(checks: Mapping[str, Check]) -> Blueprint:
    """`/healthz` answers while the process runs; `/readyz` runs every check."""
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/healthz")
    @answers(database=False)
    def healthz() -> Response:
        """The process is alive."""
        return jsonify(status="ok")

    @blueprint.get("/readyz")
    @answers(200, also=(503,), database=False)
    def readyz() -> tuple[Response, int]:
        """This service's own database and broker answer (503 naming the failing check)."""
        results = {name: _run(name, check) for name, check in checks.items()}
        ready = all(result == "ok" for result in results.values())
        return jsonify(status="ready" if ready else "unavailable", checks=results), (
            200 if ready else 503
        )

    return blueprint


def _run(name: str, check: Check) -> str:
    try:
        check()
    except Exception as exc:  # any failure means not ready; the reason goes to the body
        log.warning("readiness check %s failed: %s", name, exc)
        return f"failed: {type(exc).__name__}: {exc}".strip()[:300]
    return "ok"
