"""The OpenTelemetry SDK as a traced process installs it: resource, sampler, exporter and the
instrumentation of outgoing HTTP and of gRPC (imported only when tracing is on)."""

import importlib.util
import os
from collections.abc import Sequence
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.propagators import (
    TraceResponsePropagator,
    set_global_response_propagator,
)
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes
from sqlalchemy import Engine

from mercado_platform.tracing import refuse

PROTOCOL = "http/protobuf"
SQLALCHEMY = "opentelemetry.instrumentation.sqlalchemy"


def install(service: str, role: str) -> None:
    """Make this process's tracer provider the global one; spans leave in batches."""
    attributes = {"service.namespace": "mercado", "mercado.role": role}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = service
    # no sampler given: the SDK takes OTEL_TRACES_SAMPLER (default parentbased_always_on)
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.sampler = NoStrayRoots(provider.sampler)
    provider.add_span_processor(BatchSpanProcessor(exporter()))
    trace.set_tracer_provider(provider)
    set_global_response_propagator(TraceResponsePropagator())
    # under requests too: one client span per call
    URLLib3Instrumentor().instrument(request_hook=_keep_pool_headers)
    _instrument_grpc()


def _instrument_grpc() -> None:
    """Where gRPC is installed (the platform's grpc extra): a server span per call served,
    but not the health checks and reflection; a client span per call made; the context
    carried in the call's metadata."""
    if importlib.util.find_spec("opentelemetry.instrumentation.grpc") is None:
        return
    from opentelemetry.instrumentation.grpc import (
        GrpcInstrumentorClient,
        GrpcInstrumentorServer,
        filters,
    )

    probes = filters.any_of(filters.health_check(), filters.service_prefix("grpc.reflection"))
    GrpcInstrumentorServer(filter_=filters.negate(probes)).instrument()
    GrpcInstrumentorClient().instrument()


def trace_statements(engine: Engine) -> None:
    """The SQLAlchemy instrumentation's listeners on this one engine. Its instrumentor would
    also wrap create_engine and every Engine.connect (a span per unit of work), and it
    refuses SQLAlchemy 2.1, whose cursor events it listens to all the same."""
    meter = metrics.get_meter(SQLALCHEMY)
    connections = meter.create_up_down_counter("db.client.connections.usage")
    EngineTracer(trace.get_tracer(SQLALCHEMY), engine, connections)


def _keep_pool_headers(_span: Any, pool: Any, request: Any) -> None:
    """A call that gave no headers gets the pool's default ones, as urllib3 would send: the
    instrumentation hands urllib3 a dict of its own (for the traceparent) instead."""
    if not request.headers:
        request.headers.update(getattr(pool, "headers", None) or {})


class NoStrayRoots(Sampler):
    """Only work of its own starts a trace: a request served, a message handled or created.
    A statement, a commit or a call made outside any span (a worker's idle poll, a metrics
    scrape) would each be a trace of one span, so they are dropped; the rest is left to
    the configured sampler."""

    def __init__(self, sampler: Sampler) -> None:
        self.sampler = sampler

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Drop a client or internal span that has no parent; else ask the sampler."""
        parent = trace.get_current_span(parent_context).get_span_context()
        if not parent.is_valid and kind in (None, SpanKind.CLIENT, SpanKind.INTERNAL):
            return SamplingResult(Decision.DROP)
        return self.sampler.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        """The sampler's name, as the SDK reports it."""
        return f"NoStrayRoots{{{self.sampler.get_description()}}}"


def exporter() -> SpanExporter:
    """The exporter OTEL_TRACES_EXPORTER names: OTLP over HTTP (the default) or the console."""
    name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")[0].strip().lower() or "otlp"
    if name == "console":
        return ConsoleSpanExporter()
    if name != "otlp":
        raise refuse("OTEL_TRACES_EXPORTER", name, "use otlp, console or none")
    variable = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    protocol = os.environ.get(variable)
    if protocol is None:
        variable = "OTEL_EXPORTER_OTLP_PROTOCOL"
        protocol = os.environ.get(variable, PROTOCOL)
    if protocol != PROTOCOL:
        raise refuse(variable, protocol, f"use {PROTOCOL} (port 4318 of a collector)")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()
