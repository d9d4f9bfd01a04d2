"""Prometheus metrics for HTTP traffic on a per-app registry, served at /metrics."""

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)


class Metrics:
    """HTTP request counters and latencies; other components add theirs to `registry`."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served.",
            ["service", "method", "endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time spent serving HTTP requests.",
            ["service", "method", "endpoint"],
            registry=self.registry,
        )
        self.service = service

    def init_app(self, app: Flask) -> None:
        """Time every request and serve `/metrics`."""
        app.extensions["mercado.metrics"] = self
        app.before_request(self._start)
        app.after_request(self._record)
        app.add_url_rule("/metrics", "metrics", self._expose)

    def _start(self) -> None:
        g.metrics_started = time.perf_counter()

    def _record(self, response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        labels = (self.service, request.method, endpoint)
        self.requests.labels(*labels, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            self.latency.labels(*labels).observe(time.perf_counter() - started)
        return response

    def _expose(self) -> Response:
        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
