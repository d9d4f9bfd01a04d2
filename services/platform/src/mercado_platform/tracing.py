"""OpenTelemetry traces for every service, configured by the standard OTEL_* variables.

Tracing is on when the environment names an exporter (`OTEL_TRACES_EXPORTER` other than
`none`) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `..._TRACES_ENDPOINT`), unless
`OTEL_SDK_DISABLED=true`. The SDK reads the rest itself: `OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`, the OTLP headers.

Off, nothing is instrumented and no span is made: the W3C trace context still travels
(the request's `traceparent` into its events, each event's into its consumer), as cheaply
as it always did.
"""

import logging
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Flask
from opentelemetry import trace
from sqlalchemy import Engine

from mercado_platform.config import ConfigError

log = logging.getLogger(__name__)
TRACER = "mercado"
UNTRACED_URLS = "healthz,readyz,metrics"
_installed: list[str] = []  # the service this process traces, once the SDK is installed


def configured(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment asks for traces to be exported."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def enabled() -> bool:
    """Whether this process records spans."""
    return bool(_installed)


def start(service: str, role: str) -> bool:
    """Install the SDK, its exporter and the client instrumentations for this process, once,
    if the environment asks for tracing; raises ConfigError naming a variable it cannot use."""
    if _installed or not configured():
        return enabled()
    from mercado_platform.tracing_sdk import install  # the SDK is imported only when used

    install(service, role)
    _installed.append(service)
    log.info("tracing on: spans of %s (%s) exported", service, role)
    return True


def instrument_app(app: Flask) -> None:
    """A server span for every request but the probes and /metrics, its trace id returned
    in a `traceresponse` header."""
    if enabled():
        from opentelemetry.instrumentation.flask import FlaskInstrumentor

        excluded = os.environ.get("OTEL_PYTHON_FLASK_EXCLUDED_URLS", UNTRACED_URLS)
        FlaskInstrumentor().instrument_app(app, excluded_urls=excluded)


def instrument_engine(engine: Engine) -> None:
    """A client span for every statement the engine runs."""
    if enabled():
        from mercado_platform.tracing_sdk import trace_statements

        trace_statements(engine)


def tracer() -> trace.Tracer:
    """The tracer of Mercado's own spans (outbox, relay, consumers, saga)."""
    return trace.get_tracer(TRACER)


def span(name: str, **attributes: Any) -> AbstractContextManager[Any]:
    """A span of Mercado's own around a block (the current span's child), or nothing at
    all when tracing is off."""
    if not enabled():
        return nullcontext()
    return tracer().start_as_current_span(name, attributes=attributes)


def current_ids() -> tuple[str, str] | None:
    """The trace id and span id of the span in progress, as hex, if there is one."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def refuse(variable: str, value: str, allowed: str) -> ConfigError:
    """The error for an OTEL_* variable set to what this build cannot do."""
    return ConfigError(f"invalid configuration: {variable} {value!r} is not supported: {allowed}")
