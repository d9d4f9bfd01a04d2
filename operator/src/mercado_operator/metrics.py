"""Prometheus metrics of the operator: reconciliations, their failures and durations."""

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server


class OperatorMetrics:
    """Counts and times every reconciliation, by kind, trigger and outcome."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reconciles = Counter(
            "mercado_operator_reconciles_total",
            "Reconciliations finished, by kind, trigger (change, drift, delete) and outcome.",
            ["kind", "trigger", "outcome"],
            registry=self.registry,
        )
        self.errors = Counter(
            "mercado_operator_reconcile_errors_total",
            "Reconciliations that failed, by kind and the reason shown in the Ready condition.",
            ["kind", "reason"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "mercado_operator_reconcile_duration_seconds",
            "How long one reconciliation took.",
            ["kind", "trigger"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def reconciled(self, kind: str, trigger: str, outcome: str, seconds: float) -> None:
        """Record one finished reconciliation."""
        self.reconciles.labels(kind, trigger, outcome).inc()
        self.duration.labels(kind, trigger).observe(seconds)

    def failed(self, kind: str, reason: str) -> None:
        """Record why a reconciliation failed."""
        self.errors.labels(kind, reason).inc()

    def serve(self, port: int) -> None:
        """Expose these metrics on `port` (0 disables)."""
        if port:
            start_http_server(port, registry=self.registry)
