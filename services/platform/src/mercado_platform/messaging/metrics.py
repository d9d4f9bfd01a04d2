"""Prometheus metrics of the relay and the consumers, served by their own processes."""

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server


class MessagingMetrics:
    """Publish latency and counts, consumer outcomes."""

    def __init__(self, role: str) -> None:
        self.registry = CollectorRegistry()
        self.published = Counter(
            "outbox_published_total",
            "Events published from the outbox, by type.",
            ["type"],
            registry=self.registry,
        )
        self.publish_failures = Counter(
            "outbox_publish_failures_total",
            "Events the broker refused (unroutable or nacked); retried later.",
            registry=self.registry,
        )
        self.unroutable = Counter(
            "outbox_unroutable_set_aside_total",
            "Events no queue was bound to for the whole grace period; set aside, not retried.",
            registry=self.registry,
        )
        self.publish_latency = Histogram(
            "outbox_commit_to_publish_seconds",
            "Time from the event's transaction to its confirmed publication.",
            buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.publish_batch = Histogram(
            "outbox_publish_batch_seconds",
            "Time to publish one batch of outbox rows and collect its confirms.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.consumed = Counter(
            "consumer_messages_total",
            "Messages a consumer finished, by outcome.",
            ["queue", "outcome"],
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "consumer_batch_size",
            "Messages applied together in one transaction.",
            ["queue"],
            buckets=(1, 2, 5, 10, 20, 50, 100),
            registry=self.registry,
        )
        self.lag = Histogram(
            "consumer_lag_seconds",
            "Time from an event's creation to its handling by a consumer.",
            ["queue"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.handling = Histogram(
            "consumer_handle_seconds",
            "Time a handler took to apply one event (the saga's steps, among others).",
            ["queue", "type"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.role = role

    def observe_publish(self, seconds: float) -> None:
        """Record one event's commit-to-publish latency."""
        self.publish_latency.observe(max(seconds, 0.0))

    def observe_handled(self, queue: str, event_type: str, seconds: float) -> None:
        """Record how long one event's handler took."""
        self.handling.labels(queue, event_type).observe(seconds)

    def serve(self, port: int) -> None:
        """Expose these metrics on `port` (0 disables)."""
        if port:
            start_http_server(port, registry=self.registry)
