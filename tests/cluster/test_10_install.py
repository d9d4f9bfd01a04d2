"""The three charts installed on the real node in `make up`'s order: every Deployment
available, every Database and MessagingTopology Ready, the migrations run, `helm test`
green, and pods reaching Services by ClusterIP and DNS name and the API server through the
`kubernetes` Service."""

import json

from mercado_platform.service import spec_of

SERVICES = ("users", "inventory", "orders", "payments", "notifications")
SUFFIX = {"serve": "", "consume": "-consumer", "relay": "-relay"}  # a worker: -<its name>


def deployments_of(service: str) -> set[str]:
    """The Deployments of a service: one per role its spec declares."""
    return {f"mercado-{service}{SUFFIX.get(r, f'-{r}')}" for r in spec_of(service).roles}


def test_every_deployment_is_available_with_its_pods_running(mercado):
    deployments = mercado.get("deployments")["items"]
    expected = {"mercado-gateway", "mercado-mailpit"}.union(*map(deployments_of, SERVICES))
    assert {d["metadata"]["name"] for d in deployments} == expected
    for deployment in deployments:
        status = deployment["status"]
        assert status.get("readyReplicas") == deployment["spec"]["replicas"], deployment["metadata"]
        available = {c["type"]: c["status"] for c in status["conditions"]}["Available"]
        assert available == "True", deployment["metadata"]["name"]
    operator = mercado.get("deployment", "mercado-operator", namespace="mercado-system")
    assert operator["status"]["readyReplicas"] == 1
    for statefulset in ("mercado-postgres", "mercado-rabbitmq"):
        assert mercado.get("statefulset", statefulset)["status"]["readyReplicas"] == 1
    pods = mercado.get("pods")["items"]
    assert all(p["status"]["phase"] in ("Running", "Succeeded") for p in pods), [
        (p["metadata"]["name"], p["status"]["phase"]) for p in pods
    ]


def test_every_database_and_topology_is_ready(mercado):
    for kind in ("databases", "messagingtopologies"):
        items = mercado.get(kind)["items"]
        assert {i["metadata"]["name"] for i in items} == {f"mercado-{s}" for s in SERVICES}
        for item in items:
            ready = {c["type"]: c for c in item["status"]["conditions"]}["Ready"]
            assert ready["status"] == "True", (item["metadata"]["name"], ready)


def test_the_migration_jobs_made_every_schema(mercado):
    """The migration Jobs (helm hooks, deleted once they succeed) left their schemas behind."""
    history = json.loads(mercado.helm("history", "mercado", "-o", "json"))
    assert history[-1]["status"] == "deployed"
    for service in SERVICES:
        database = mercado.get("database", f"mercado-{service}")["spec"]["database"]
        version = mercado.exec(
            "mercado-postgres-0",
            "psql",
            "-U",
            "postgres",
            "-d",
            database,
            "-Atc",
            "SELECT version_num FROM alembic_version",
        )
        assert version.strip(), f"{service}: no Alembic revision in {database}"


def test_helm_test_passes(mercado):
    output = mercado.helm("test", "mercado", "--timeout", "5m", timeout=400)
    assert "Phase:          Succeeded" in output, output


PROBE = """
import json, socket, ssl, urllib.request
result = {}
result["inventory_ip"] = socket.gethostbyname("mercado-inventory")
result["inventory_fqdn_ip"] = socket.gethostbyname("mercado-inventory.mercado.svc.cluster.local")
result["kubernetes_ip"] = socket.gethostbyname("kubernetes.default.svc")
with urllib.request.urlopen("http://mercado-inventory:8080/healthz", timeout=10) as answer:
    result["by_name"] = answer.status
with urllib.request.urlopen("http://%s:8080/healthz" % result["inventory_ip"], timeout=10) as a:
    result["by_ip"] = a.status
context = ssl.create_default_context(cafile="/tmp/ca.crt")
url = "https://kubernetes.default.svc/version"
with urllib.request.urlopen(url, context=context, timeout=10) as answer:
    result["apiserver"] = json.load(answer)["gitVersion"]
print(json.dumps(result))
"""


def test_pods_reach_services_by_cluster_ip_and_name_and_the_api_server(mercado):
    service_ip = mercado.get("service", "mercado-inventory")["spec"]["clusterIP"]
    kubernetes_ip = mercado.get("service", "kubernetes", namespace="default")["spec"]["clusterIP"]
    ca = mercado.get("configmap", "kube-root-ca.crt")["data"]["ca.crt"]
    script = f"open('/tmp/ca.crt', 'w').write({ca!r})\n" + PROBE
    seen = json.loads(mercado.exec("deploy/mercado-orders", "python", "-c", script))
    assert seen["inventory_ip"] == seen["inventory_fqdn_ip"] == service_ip
    assert seen["kubernetes_ip"] == kubernetes_ip
    assert seen["by_name"] == seen["by_ip"] == 200
    # the API server, over TLS its cluster CA vouches for (the name is in its certificate)
    assert seen["apiserver"] == "v1.34.4"
