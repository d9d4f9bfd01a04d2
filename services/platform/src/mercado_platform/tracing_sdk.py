"""The OpenTelemetry SDK as a traced process installs it: resource, sampler, exporter and the
instrumentation of outgoing HTTP (imported only when tracing is on)."""

import os

from opentelemetry import trace
from opentelemetry.instrumentation.propagators import (
    TraceResponsePropagator,
    set_global_response_propagator,
)
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from mercado_platform.tracing import refuse

PROTOCOL = "http/protobuf"


def install(service: str, role: str) -> None:
    """Make this process's tracer provider the global one; spans leave in batches."""
    attributes = {"service.namespace": "mercado", "mercado.role": role}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = service
    # no sampler given: the SDK takes OTEL_TRACES_SAMPLER (default parentbased_always_on)
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(exporter()))
    trace.set_tracer_provider(provider)
    set_global_response_propagator(TraceResponsePropagator())
    RequestsInstrumentor().instrument()


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
