"""Prometheus metrics for HTTP traffic on a per-app registry, served at /metrics."""

import os
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mercado_platform.db import Database
from mercado_platform.openapi import answers

BACKLOG = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox WHERE sent_at IS NULL"
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
        app.add_url_rule("/metrics", "metrics", self.expose)

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

    @answers(content="text/plain", database=False)
    def expose(self) -> Response:
        """Prometheus metrics of this service."""
        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class OutboxBacklog(Collector):
    """Unsent outbox rows and the age of the oldest, read at scrape time."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the backlog gauges; nothing when the database cannot answer."""
        try:
            with self.database.engine.connect() as connection:
                count, age = connection.execute(BACKLOG).one()
        except SQLAlchemyError:
            return
        yield GaugeMetricFamily("outbox_backlog", "Events committed but not yet published.", count)
        yield GaugeMetricFamily(
            "outbox_oldest_unsent_seconds", "Age of the oldest unpublished event.", float(age)
        )
