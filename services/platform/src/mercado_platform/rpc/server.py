"""The `grpc` role: a gRPC server for the service's gRPC services, with grpc.health.v1
(following the same readiness checks as /readyz) and server reflection."""

import logging
import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from mercado_platform.auth import TokenVerifier
from mercado_platform.errors import DomainErrors
from mercado_platform.health import Check
from mercado_platform.logs import request_id_for, request_id_var
from mercado_platform.rpc import calls
from mercado_platform.rpc.status import status_of
from mercado_platform.service import MAX_BODY_BYTES, Service, readiness_checks, token_verifier

log = logging.getLogger(__name__)
access = logging.getLogger("mercado.access")
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class CallMetrics:
    """gRPC calls served, by method and code, and their latency."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "grpc_server_handled_total",
            "gRPC calls served.",
            ["service", "method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "grpc_server_handling_seconds",
            "Time spent serving gRPC calls.",
            ["service", "method"],
            registry=self.registry,
        )
        self.service = service


class Edge(grpc.ServerInterceptor):
    """Around every unary call: the request id, the verifier, the status of any failure
    (once, for every servicer), an access log line and the metrics."""

    def __init__(
        self, errors: DomainErrors, verifier: TokenVerifier | None, metrics: CallMetrics
    ) -> None:
        self.errors = errors
        self.verifier = verifier
        self.metrics = metrics

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        """Wrap the method's behaviour; streaming ones (reflection, Watch) pass as they are."""
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        behaviour, method = handler.unary_unary, details.method

        def serve(request: Any, context: grpc.ServicerContext) -> Any:
            return self._serve(behaviour, method, request, context)

        return grpc.unary_unary_rpc_method_handler(
            serve,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _serve(
        self, behaviour: Callable, method: str, request: Any, context: grpc.ServicerContext
    ) -> Any:
        started = time.perf_counter()
        call = calls.Call(context, self.verifier)
        request_id = request_id_for(call.metadata("x-request-id"))
        request_id_token = request_id_var.set(request_id)
        call_token = calls.current.set(call)
        code = grpc.StatusCode.OK
        try:
            response = behaviour(request, context)
            context.set_trailing_metadata((("x-request-id", request_id),))
            return response
        except Exception as exc:  # every failure answers with a status, as REST's problems
            status = status_of(exc, self.errors, request_id)
            code = status.code
            context.abort_with_status(status)
        finally:
            self._record(method, code, time.perf_counter() - started)
            calls.current.reset(call_token)
            request_id_var.reset(request_id_token)

    def _record(self, method: str, code: grpc.StatusCode, seconds: float) -> None:
        access.info("%s %s", method, code.name, extra={"duration_ms": round(seconds * 1000, 2)})
        self.metrics.calls.labels(self.metrics.service, method, code.name).inc()
        self.metrics.latency.labels(self.metrics.service, method).observe(seconds)


class Readiness:
    """Runs the readiness checks every `interval` and tells the health service: SERVING
    while every one passes, NOT_SERVING otherwise, for the server and each service."""

    def __init__(self, checks: dict[str, Check], names: list[str], interval: float) -> None:
        self.servicer = health.HealthServicer(experimental_non_blocking=True)
        self.checks = checks
        self.names = ["", *names]
        self.interval = interval
        self.serving: bool | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="grpc-health", daemon=True)

    def start(self) -> None:
        """Check once now, then every interval in the background."""
        self.check()
        self._thread.start()

    def check(self) -> bool:
        """Run every check; publish the outcome; True when serving."""
        failed = []
        for name, check in self.checks.items():
            try:
                check()
            except Exception as exc:  # any failure means not serving; the reason is logged
                failed.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
        for name in self.names:
            self.servicer.set(name, NOT_SERVING if failed else SERVING)
        if failed and self.serving is not False:
            log.warning("not serving: %s", "; ".join(failed))
        elif not failed and self.serving is False:
            log.info("serving again")
        self.serving = not failed
        return self.serving

    def stop(self) -> None:
        """Stop checking; report NOT_SERVING to whoever still asks."""
        self._stop.set()
        self.servicer.enter_graceful_shutdown()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()


class GrpcServer:
    """The service's gRPC services on `host:port` (port 0: any free one)."""

    def __init__(self, service: Service[Any], *, host: str, port: int) -> None:
        settings = service.settings
        spec = service.spec
        names = [grpc_service.name for grpc_service in spec.grpc]
        self.metrics = CallMetrics(spec.name)
        verifier = token_verifier(service)
        self.readiness = Readiness(
            readiness_checks(service, verifier), names, settings.grpc_health_interval_seconds
        )
        self.server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=settings.grpc_threads, thread_name_prefix="grpc"
            ),
            interceptors=[Edge(spec.errors, verifier, self.metrics)],
            options=[
                ("grpc.max_receive_message_length", MAX_BODY_BYTES),
                ("grpc.so_reuseport", 0),  # one server per port: a second bind must fail
            ],
        )
        for grpc_service in spec.grpc:
            grpc_service.add(grpc_service.servicer(service.dependencies), self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.readiness.servicer, self.server)
        reflected = [*names, health.SERVICE_NAME, reflection.SERVICE_NAME]
        reflection.enable_server_reflection(reflected, self.server)
        self.port = self.server.add_insecure_port(f"{host}:{port}")
        if not self.port:
            raise OSError(f"cannot listen for gRPC on {host}:{port}")

    def start(self) -> "GrpcServer":
        """Check readiness, then take calls."""
        self.readiness.start()
        self.server.start()
        return self

    def stop(self, grace: float = 10.0) -> None:
        """Refuse new calls, let those in flight finish within `grace` seconds."""
        self.readiness.stop()
        self.server.stop(grace).wait()


def run_grpc(service: Service[Any], stop: threading.Event) -> None:
    """Serve gRPC (and the metrics, on METRICS_PORT) until `stop` is set."""
    settings = service.settings
    server = GrpcServer(service, host=settings.grpc_host, port=settings.grpc_port).start()
    if settings.metrics_port:
        start_http_server(settings.metrics_port, registry=server.metrics.registry)
    log.info("serving gRPC on %s:%d", settings.grpc_host, server.port)
    stop.wait()
    server.stop()
