"""The charts as the real `helm` lints and renders them, for several sets of values: kind's
defaults, production with managed services, and every service but one turned off."""

import re

import pytest
import yaml

from mercado_platform.gunicorn import KEEPALIVE_SECONDS
from mercado_platform.service import spec_of

from .support import DEV, INFRA, ONLY_ORDERS, OPERATOR, PLATFORM, PRODUCTION, named, of_kind

SERVICES = ("users", "inventory", "orders", "payments", "notifications")
EXTERNAL_INFRA = [
    "--set",
    "postgresql.enabled=false,rabbitmq.enabled=false",
    "--set",
    "postgresql.external.uri=postgresql://admin:pw@db.example.com:5432/postgres",
    "--set",
    "rabbitmq.external.managementUri=https://mq.example.com:15671,rabbitmq.external.host=mq.example.com",
    "--set",
    "rabbitmq.external.username=admin,rabbitmq.external.password=pw",
    "--set",
    "mailpit.enabled=false",
]
LINTED = [
    (PLATFORM, []),
    (PLATFORM, ["-f", str(PRODUCTION)]),
    (PLATFORM, ["-f", str(DEV)]),
    (PLATFORM, ["--set", "services.users.enabled=false,services.inventory.enabled=false"]),
    (OPERATOR, []),
    (INFRA, []),
    (INFRA, EXTERNAL_INFRA),
]


@pytest.mark.parametrize(
    ("chart", "args"), LINTED, ids=[f"{c.name} {' '.join(a)[:40]}" for c, a in LINTED]
)
def test_helm_lint_passes_strictly(helm, chart, args):
    helm.run("lint", "--strict", str(chart), *args)


def _container(workload: dict) -> dict:
    spec = workload["spec"]
    return spec.get("template", {}).get("spec", spec)["containers"][0]


def _secret_refs(container: dict) -> dict[str, str]:
    return {
        e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
        for e in container["env"]
        if "valueFrom" in e
    }


def test_every_service_comes_from_one_template_with_its_own_resources(helm):
    docs = helm.template(PLATFORM)
    for name in SERVICES:
        api = named(docs, "Deployment", f"mercado-{name}")
        container = _container(api)
        assert container["command"] == [f"mercado-{name}"] and container["args"] == ["serve"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        assert api["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        assert container["resources"]["requests"] and container["resources"]["limits"]
        database = named(docs, "Database", f"mercado-{name}")["spec"]
        topology = named(docs, "MessagingTopology", f"mercado-{name}")["spec"]
        assert database["database"] == database["owner"] == name
        assert _secret_refs(container) | {
            "DATABASE_URL": database["secretName"],
            "AMQP_URL": topology["secretName"],
        } == _secret_refs(container), "the Secrets the operator writes from its resources"
        if name != "notifications":  # it publishes nothing: no outbox to relay
            relay = _container(named(docs, "Deployment", f"mercado-{name}-relay"))
            assert relay["args"] == ["relay"]
        named(docs, "Service", f"mercado-{name}")
        named(docs, "PodDisruptionBudget", f"mercado-{name}")
        named(docs, "Job", f"mercado-{name}-migrate")
    consumers = {
        d["metadata"]["name"]
        for d in of_kind(docs, "Deployment")
        if "consumer" in d["metadata"]["name"]
    }
    assert consumers == {
        f"mercado-{name}-consumer" for name in ("inventory", "orders", "payments", "notifications")
    }, "only services with queues"
    assert "mercado-notifications-relay" not in {d["metadata"]["name"] for d in docs}
    worker = _container(named(docs, "Deployment", "mercado-inventory-expire-reservations"))
    assert worker["args"] == ["expire-reservations"]
    deliver = _container(named(docs, "Deployment", "mercado-notifications-deliver"))
    assert (deliver["command"], deliver["args"]) == (["mercado-notifications"], ["deliver"])
    payments = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")} & {
        f"mercado-payments{role}" for role in ("", "-relay", "-consumer", "-retry-outstanding")
    }
    assert payments == {
        "mercado-payments",
        "mercado-payments-relay",
        "mercado-payments-consumer",
        "mercado-payments-retry-outstanding",
    }, "payments' retry loop is a worker of its own, as inventory's and notifications' are"
    retry = _container(named(docs, "Deployment", "mercado-payments-retry-outstanding"))
    assert retry["args"] == ["retry-outstanding"]


def test_links_between_services_point_at_their_services(helm):
    docs = helm.template(PLATFORM)
    env = {
        e["name"]: e.get("value")
        for e in _container(named(docs, "Deployment", "mercado-orders"))["env"]
    }
    assert env["JWKS_URL"] == "http://mercado-users:8080/.well-known/jwks.json"
    assert env["INVENTORY_URL"] == "http://mercado-inventory:8080"
    assert env["INVENTORY_TRANSPORT"] == "grpc"
    assert env["INVENTORY_GRPC_TARGET"] == "mercado-inventory-grpc:50051"


@pytest.mark.parametrize("name", SERVICES)
def test_grpc_apis_are_exactly_what_each_service_declares_in_code(helm, name):
    """values.yaml repeats each SPEC's gRPC services: its grpc role runs, with a Service,
    health probes, the gateway's routes and a NetworkPolicy, exactly when the SPEC has some."""
    docs = helm.template(PLATFORM)
    values = yaml.safe_load((PLATFORM / "values.yaml").read_text())["services"][name]
    declared = [service.name for service in spec_of(name).grpc]
    assert values.get("grpc", {}).get("services", []) == declared
    names = {d["metadata"]["name"] for d in docs}
    assert (f"mercado-{name}-grpc" in names) is bool(declared)
    if not declared:
        return
    container = _container(named(docs, "Deployment", f"mercado-{name}-grpc"))
    assert (container["command"], container["args"]) == ([f"mercado-{name}"], ["grpc"])
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert (env["GRPC_HOST"], env["GRPC_PORT"], env["GRPC_THREADS"]) == ("0.0.0.0", "50051", "8")
    assert {"name": "grpc", "containerPort": 50051} in container["ports"]
    assert container["readinessProbe"]["grpc"] == {"port": 50051}
    assert container["livenessProbe"]["tcpSocket"] == {"port": "grpc"}
    [port] = named(docs, "Service", f"mercado-{name}-grpc")["spec"]["ports"]
    assert port == {
        "name": "grpc",
        "port": 50051,
        "targetPort": "grpc",
        "appProtocol": "kubernetes.io/h2c",
    }
    policy = named(docs, "NetworkPolicy", f"mercado-{name}-grpc")["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "grpc"
    assert policy["ingress"][0]["ports"] == [{"port": "grpc"}]
    conf = named(docs, "ConfigMap", "mercado-gateway")["data"]["nginx.conf"]
    assert f"server mercado-{name}-grpc:50051;" in conf
    for service in declared:
        block = re.search(rf"location /{re.escape(service)}/ {{(.*?)}}", conf, re.S)
        assert block and f"grpc_pass grpc://service_{name}_grpc;" in block.group(1), service


@pytest.mark.parametrize("name", SERVICES)
def test_topologies_are_exactly_what_each_service_declares_in_code(helm, name):
    """values.yaml repeats each bootstrap.py SPEC's queues: the two must never drift."""
    spec = spec_of(name)
    rendered = named(helm.template(PLATFORM), "MessagingTopology", f"mercado-{name}")["spec"]
    declared = {sub.queue: set(sub.bindings) for sub in spec.topology.subscriptions}
    assert {
        q["name"]: {(b["exchange"], b["routingKey"]) for b in q["bindings"]}
        for q in rendered.get("queues", [])
    } == declared
    assert rendered["service"] == name
    assert rendered["publishes"] is spec.topology.publishes


ROLE_OF_DEPLOYMENT = {"": "serve", "-grpc": "grpc", "-consumer": "consume", "-relay": "relay"}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_every_role_its_spec_declares_and_no_other(helm, name):
    """A Deployment per process of the service: its API, consumer, relay, each worker."""
    deployments = [
        doc
        for doc in helm.template(PLATFORM)
        if doc["kind"] == "Deployment" and doc["metadata"]["name"].startswith(f"mercado-{name}")
    ]
    commands = {
        ROLE_OF_DEPLOYMENT.get(doc["metadata"]["name"].removeprefix(f"mercado-{name}"))
        or _container(doc)["args"][0]
        for doc in deployments
    }
    assert commands == set(spec_of(name).roles)


def test_the_migration_runs_after_the_first_install_and_before_upgrades(helm):
    job = named(helm.template(PLATFORM), "Job", "mercado-orders-migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    assert _container(job)["args"] == ["migrate", "--timeout", "300"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # `helm template` sees no cluster: a service whose Database does not exist yet (new in
    # this upgrade) migrates after the upgrade created it; existing ones before (see
    # test_charts_install for the real upgrade)
    upgraded = named(helm.template(PLATFORM, "--is-upgrade"), "Job", "mercado-orders-migrate")
    assert upgraded["metadata"]["annotations"]["helm.sh/hook"] == "post-upgrade"
    given = {
        "services": {"orders": {"database": {"provision": False, "existingSecret": "orders-db"}}}
    }
    external = helm.template(PLATFORM, "--is-upgrade", values=given)
    assert (
        named(external, "Job", "mercado-orders-migrate")["metadata"]["annotations"]["helm.sh/hook"]
        == "pre-upgrade"
    )
    assert not [
        d for d in of_kind(external, "Database") if d["metadata"]["name"] == "mercado-orders"
    ]


def test_production_values(helm):
    docs = helm.template(PLATFORM, "-f", str(PRODUCTION))
    users = named(docs, "Deployment", "mercado-users")
    assert _container(users)["image"] == "ghcr.io/example/mercado/users:0.1.0"
    assert _secret_refs(_container(users))["JWT_SIGNING_KEY"] == "mercado-users-jwt"
    assert "replicas" not in users["spec"], "the HorizontalPodAutoscaler owns the count"
    hpa = named(docs, "HorizontalPodAutoscaler", "mercado-users")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    assert named(docs, "Deployment", "mercado-orders-relay")["spec"]["replicas"] == 2
    assert named(docs, "Service", "mercado-gateway")["spec"]["type"] == "ClusterIP"
    ingress = named(docs, "Ingress", "mercado-gateway")["spec"]
    assert ingress["tls"] == [{"hosts": ["shop.example.com"], "secretName": "shop-example-com-tls"}]
    assert (
        named(docs, "Database", "mercado-orders")["spec"]["serverSecretRef"]["name"]
        == "managed-postgres-admin"
    )
    assert named(docs, "MessagingTopology", "mercado-orders")["spec"]["vhost"] == "mercado"
    conf = named(docs, "ConfigMap", "mercado-gateway")["data"]["nginx.conf"]
    assert "set_real_ip_from 10.0.0.0/8;" in conf
    relay_policy = named(docs, "NetworkPolicy", "mercado-orders-workers")["spec"]
    assert relay_policy["ingress"][0]["ports"] == [{"port": "metrics"}]


def test_everything_off_but_one_service(helm):
    docs = helm.template(PLATFORM, values=ONLY_ORDERS)
    names = {d["metadata"]["name"] for d in docs}
    assert all(name.startswith(("mercado-orders", "mercado-test-readyz")) for name in names), names
    assert not of_kind(docs, "ConfigMap"), "no gateway"
    assert "mercado-test-order" not in names, "the order test needs users, inventory, gateway"


def test_the_gateway_routes_every_service_to_its_service(helm):
    docs = helm.template(PLATFORM)
    conf = named(docs, "ConfigMap", "mercado-gateway")["data"]["nginx.conf"]
    values = yaml.safe_load((PLATFORM / "values.yaml").read_text())["services"]
    for name, service in values.items():
        assert f"upstream service_{name} {{\n        server mercado-{name}:8080;" in conf
        upstream = re.search(rf"upstream service_{name} {{(.*?)}}", conf, re.S).group(1)
        idle = int(re.search(r"keepalive_timeout (\d+)s;", upstream).group(1))
        assert idle < KEEPALIVE_SECONDS, "nginx must drop idle upstreams before gunicorn does"
        for route in service["routes"]:
            block = re.search(rf"location = {re.escape(route)} {{(.*?)}}", conf, re.S)
            assert block and f"proxy_pass http://service_{name};" in block.group(1), route
    gateway = named(docs, "Deployment", "mercado-gateway")
    assert gateway["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    http, grpc = named(docs, "Service", "mercado-gateway")["spec"]["ports"]
    assert (http["nodePort"], grpc["nodePort"], grpc["port"]) == (30080, 30081, 81)
    assert "listen 8081 http2;" in conf, "gRPC: plain HTTP/2 on its own port"
    policy = named(docs, "NetworkPolicy", "mercado-gateway")["spec"]
    assert policy["ingress"][0]["ports"] == [{"port": "http"}, {"port": "grpc"}]
    without = helm.template(PLATFORM, "--set", "gateway.grpc.enabled=false")
    plain = named(without, "ConfigMap", "mercado-gateway")["data"]["nginx.conf"]
    assert "http2" not in plain and "grpc_pass" not in plain
    smaller = named(
        helm.template(PLATFORM, "--set", "gateway.clientMaxBodySize=512k"),
        "Deployment",
        "mercado-gateway",
    )
    checksum = "checksum/config"
    assert (
        smaller["spec"]["template"]["metadata"]["annotations"][checksum]
        != gateway["spec"]["template"]["metadata"]["annotations"][checksum]
    )


def test_only_mercado_pods_reach_the_apis(helm):
    docs = helm.template(PLATFORM)
    api = named(docs, "NetworkPolicy", "mercado-orders")["spec"]
    assert api["ingress"] == [
        {
            "from": [
                {
                    "podSelector": {
                        "matchLabels": {
                            "app.kubernetes.io/instance": "mercado",
                            "app.kubernetes.io/part-of": "mercado",
                        }
                    }
                }
            ],
            "ports": [{"port": "http"}],
        }
    ]
    workers = named(docs, "NetworkPolicy", "mercado-orders-workers")["spec"]
    assert workers["ingress"] == []
    assert {
        "key": "app.kubernetes.io/component",
        "operator": "NotIn",
        "values": ["api", "grpc"],
    } in workers["podSelector"]["matchExpressions"], "the grpc pods have a policy of their own"


def test_helm_test_pods_check_readiness_and_place_an_order(helm):
    docs = helm.template(PLATFORM)
    readyz = named(docs, "Pod", "mercado-test-readyz")
    assert readyz["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert _container(readyz)["args"][1:] == [f"http://mercado-{n}:8080" for n in sorted(SERVICES)]
    order = _container(named(docs, "Pod", "mercado-test-order"))
    assert "create-admin" in order["args"][0] and "/api/orders" in order["args"][0]
    assert {"name": "GATEWAY_URL", "value": "http://mercado-gateway:80"} in order["env"]


def test_dev_infra_writes_the_admin_secrets_the_operator_reads(helm):
    docs = helm.template(INFRA, namespace="dev")
    postgres = named(docs, "Secret", "mercado-postgres-admin")["stringData"]
    assert re.fullmatch(
        r"postgresql://postgres:\w{32}@mercado-postgres\.dev\.svc:5432/postgres", postgres["uri"]
    )
    broker = named(docs, "Secret", "mercado-rabbitmq-admin")["stringData"]
    assert broker["management-uri"] == "http://mercado-rabbitmq.dev.svc:15672"
    assert (broker["host"], broker["port"], broker["username"]) == (
        "mercado-rabbitmq.dev.svc",
        "5672",
        "admin",
    )
    for name in ("mercado-postgres", "mercado-rabbitmq"):
        sts = named(docs, "StatefulSet", name)["spec"]
        assert (
            sts["replicas"] == 1
            and sts["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "2Gi"
        )
        assert sts["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    external = helm.template(INFRA, *EXTERNAL_INFRA)
    assert {d["kind"] for d in external} == {"Secret"}
    assert named(external, "Secret", "mercado-postgres-admin")["stringData"] == {
        "uri": "postgresql://admin:pw@db.example.com:5432/postgres"
    }
    missing = helm.run(
        "template", "x", str(INFRA), "--set", "postgresql.enabled=false", check=False
    )
    assert "postgresql.external.uri is required when postgresql.enabled is false" in missing.stderr


PASSED_THROUGH = {
    "resources",
    "podSecurityContext",
    "securityContext",
    "queues",
    "egress",
    "infrastructure",
}


@pytest.mark.parametrize("chart", [PLATFORM, INFRA], ids=lambda c: c.name)
def test_every_value_is_commented(chart):
    """Each key has a comment line above it, except inside Kubernetes objects passed through
    and list items."""
    lines = (chart / "values.yaml").read_text().splitlines()
    inside: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        key = re.match(r"^(\s*)([A-Za-z][\w.-]*):", line)
        if key is None:
            continue
        indent = len(key.group(1))
        inside = [(i, k) for i, k in inside if i < indent]
        if not any(k in PASSED_THROUGH for _, k in inside):
            assert lines[number - 1].lstrip().startswith("#"), (
                f"{chart.name}/values.yaml:{number + 1} {line}"
            )
        inside.append((indent, key.group(2)))
