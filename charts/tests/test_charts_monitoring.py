"""What the platform chart gives Prometheus, Grafana and a trace collector: monitors and
alert rules only where the Prometheus Operator's CRDs are, dashboards for Grafana's sidecar
reading metrics the services really expose, and the OTEL_* variables on every container."""

import json
import re
from pathlib import Path

from .support import INFRA, PLATFORM, named, of_kind

OPERATOR_API = ("--api-versions", "monitoring.coreos.com/v1")
SOURCES = Path(__file__).parents[2] / "services"
FUNCTIONS = {"sum", "max", "rate", "increase", "histogram_quantile"}


def metrics_of(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (a histogram's by its own name)."""
    bare = re.sub(r"by \([^)]*\)|\{[^}]*\}|\[[^\]]*\]", "", expr)
    names = set(re.findall(r"[a-z][a-z_]+", bare)) - FUNCTIONS
    return {re.sub(r"_(bucket|sum|count)$", "", name) for name in names}


def exposed() -> str:
    """Every Python source of the services: where metric names are defined."""
    return "\n".join(path.read_text() for path in SOURCES.glob("*/src/**/*.py"))


def test_no_monitors_or_rules_without_the_prometheus_operator(helm):
    docs = helm.template(PLATFORM)
    assert not of_kind(docs, "ServiceMonitor") and not of_kind(docs, "PrometheusRule")
    dashboards = named(docs, "ConfigMap", "mercado-dashboards")
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_dashboards_read_metrics_the_services_expose(helm):
    docs = helm.template(PLATFORM)
    data = named(docs, "ConfigMap", "mercado-dashboards")["data"]
    dashboard = json.loads(data["mercado-overview.json"])
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 15
    names = {name for expr in exprs for name in metrics_of(expr)}
    sources = exposed()
    missing = sorted(name for name in names if f'"{name}"' not in sources)
    assert names and not missing, f"the dashboards read metrics nothing defines: {missing}"
    titles = " ".join(p["title"] for p in dashboard["panels"]).lower()
    for shown in ("requests", "errors", "backlog", "lag", "batch size", "saga", "payments"):
        assert shown in titles, shown


def test_monitors_scrape_apis_relays_and_consumers_and_rules_alert(helm):
    values = {"monitoring": {"alerts": {"stuckOrderSeconds": 90, "labels": {"release": "kps"}}}}
    docs = helm.template(PLATFORM, *OPERATOR_API, values=values)
    apis = named(docs, "ServiceMonitor", "mercado-apis")["spec"]
    assert apis["selector"]["matchLabels"]["app.kubernetes.io/component"] == "api"
    assert apis["endpoints"][0]["path"] == "/metrics" and apis["endpoints"][0]["honorLabels"]
    messaging = named(docs, "PodMonitor", "mercado-messaging")["spec"]
    roles = messaging["selector"]["matchExpressions"][1]["values"]
    assert roles == ["relay", "consumer"]
    assert messaging["podMetricsEndpoints"][0]["port"] == "metrics"
    rule = named(docs, "PrometheusRule", "mercado")
    assert rule["metadata"]["labels"]["release"] == "kps"
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert set(alerts) == {
        "MercadoOrdersStuck",
        "MercadoOutboxStale",
        "MercadoDeadLetters",
        "MercadoApiErrors",
    }
    assert alerts["MercadoOrdersStuck"]["expr"].endswith("> 90")
    assert 'outcome="dead_lettered"' in alerts["MercadoDeadLetters"]["expr"]
    sources = exposed()
    for name in ("orders_oldest_in_status_seconds", "outbox_oldest_unsent_seconds"):
        assert f'"{name}"' in sources


def test_tracing_sets_the_otel_variables_on_every_container_and_lets_them_reach_the_collector(
    helm,
):
    values = {"tracing": {"enabled": True, "samplerArg": "0.1"}}
    docs = helm.template(PLATFORM, values=values)
    deployments = [
        d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] != "mercado-gateway"
    ]
    assert len(deployments) >= 10
    for deployment in deployments:
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        service = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
        assert env["OTEL_SERVICE_NAME"] == service
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://mercado-otel-collector:4318"
        assert (env["OTEL_TRACES_SAMPLER"], env["OTEL_TRACES_SAMPLER_ARG"]) == (
            "parentbased_traceidratio",
            "0.1",
        )
    egress = named(docs, "NetworkPolicy", "mercado-orders-egress")["spec"]["egress"]
    assert any(rule.get("ports") == [{"port": 4318}] for rule in egress)
    untraced = helm.template(PLATFORM)
    orders = named(untraced, "Deployment", "mercado-orders")["spec"]["template"]["spec"]
    assert not [e for e in orders["containers"][0]["env"] if e["name"].startswith("OTEL_")]


def test_dev_infra_runs_a_collector_in_front_of_jaeger_when_asked(helm):
    assert not [d for d in helm.template(INFRA) if "jaeger" in d["metadata"]["name"]]
    docs = helm.template(INFRA, "--set", "tracing.enabled=true")
    collector = named(docs, "Service", "mercado-otel-collector")["spec"]["ports"]
    assert {p["port"] for p in collector} == {4317, 4318}, "the platform chart's endpoint"
    config = named(docs, "ConfigMap", "mercado-otel-collector")["data"]["config.yaml"]
    assert "endpoint: mercado-jaeger:4317" in config
    jaeger = named(docs, "Service", "mercado-jaeger")["spec"]["ports"]
    assert {p["name"]: p["port"] for p in jaeger} == {"ui": 16686, "otlp-grpc": 4317}
    inbound = named(docs, "NetworkPolicy", "mercado-jaeger")["spec"]["ingress"]
    assert inbound[0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == (
        "otel-collector"
    )
