"""The operator in its pod, with only its chart's ServiceAccount and RBAC: a service's queue
deleted in RabbitMQ and its database Secret deleted come back within the drift interval,
and the API server refuses it what its ClusterRole does not grant (a real 403)."""

import json

from mercado_platform.testing.polling import eventually

DRIFT = 20  # charts/mercado-operator/values-node.yaml
WITHIN = DRIFT * 3 + 30  # a check every DRIFT s, kopf's timer slack, the repair itself


def consumers(mercado) -> dict[str, int]:
    """Each queue on the broker and how many consumers it has."""
    listed = mercado.exec(
        "mercado-rabbitmq-0",
        "rabbitmqctl",
        "-q",
        "list_queues",
        "--no-table-headers",
        "name",
        "consumers",
    )
    return {name: int(count) for name, count in (line.split() for line in listed.splitlines())}


def repaired_events(mercado, name: str) -> list[dict]:
    events = mercado.get("events", "--field-selector", "reason=DriftRepaired")["items"]
    return [e for e in events if e["involvedObject"]["name"] == name]


def test_a_deleted_queue_is_declared_again(mercado):
    assert "orders.saga" in consumers(mercado)
    mercado.exec("mercado-rabbitmq-0", "rabbitmqctl", "-q", "delete_queue", "orders.saga")
    assert "orders.saga" not in consumers(mercado)
    eventually(lambda: "orders.saga" in consumers(mercado), timeout=WITHIN, what="orders.saga")
    eventually(lambda: repaired_events(mercado, "mercado-orders"), timeout=30, what="an Event")
    bindings = mercado.exec(
        "mercado-rabbitmq-0",
        "rabbitmqctl",
        "-q",
        "list_bindings",
        "--no-table-headers",
        "source_name",
        "destination_name",
        "routing_key",
    )
    assert "inventory.events\torders.saga\tstock.reserved" in bindings
    # the consumer that lost its queue is back on it
    eventually(
        lambda: consumers(mercado).get("orders.saga", 0) >= 1,
        timeout=180,
        what="a consumer on orders.saga again",
    )


def test_a_deleted_database_secret_is_written_again_with_a_working_password(mercado):
    name = "mercado-notifications-db"
    before = mercado.get("secret", name)
    old_password = mercado.secret(name, "password")
    mercado.kubectl("delete", "secret", name)
    after = eventually(
        lambda: (
            (s := _secret(mercado, name))
            and s["metadata"]["uid"] != before["metadata"]["uid"]
            and s
        ),
        timeout=WITHIN,
        what=f"{name} written again",
    )
    password = mercado.secret(name, "password")
    assert password != old_password
    user, database = mercado.secret(name, "username"), mercado.secret(name, "database")
    checked = mercado.exec(
        "mercado-postgres-0",
        "env",
        f"PGPASSWORD={password}",
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        user,
        "-d",
        database,
        "-Atc",
        "SELECT current_user",
    )
    assert checked.strip() == user
    assert after["metadata"]["ownerReferences"][0]["kind"] == "Database"
    # rotating a password this way means restarting who uses it, as the README says
    mercado.kubectl(
        "rollout", "restart", "deployments", "-l", "app.kubernetes.io/name=notifications"
    )
    mercado.wait_rolled_out()


def _secret(mercado, name: str) -> dict | None:
    found = mercado.kubectl("get", "secret", name, "--ignore-not-found", "-o", "json")
    return json.loads(found) if found.strip() else None


RBAC_PROBE = """
import json
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
config.load_incluster_config()
core = client.CoreV1Api()
calls = {
    "who": lambda: client.AuthenticationV1Api().create_self_subject_review(
        client.V1SelfSubjectReview()).status.user_info.username,
    "get its admin Secret": lambda: core.read_namespaced_secret(
        "mercado-postgres-admin", "mercado").metadata.name,
    "list Secrets": lambda: core.list_namespaced_secret("mercado"),
    "list Secrets everywhere": lambda: core.list_secret_for_all_namespaces(),
    "delete a Secret": lambda: core.delete_namespaced_secret("mercado-postgres-admin", "mercado"),
    "list Pods": lambda: core.list_namespaced_pod("mercado"),
}
seen = {}
for name, call in calls.items():
    try:
        seen[name] = call()
    except ApiException as error:
        seen[name] = error.status
print(json.dumps(seen, default=str))
"""


def test_the_operator_is_refused_what_its_rbac_does_not_grant(mercado):
    seen = json.loads(
        mercado.exec(
            "deploy/mercado-operator", "python", "-c", RBAC_PROBE, namespace="mercado-system"
        )
    )
    assert seen["who"] == "system:serviceaccount:mercado-system:mercado-operator"
    assert seen["get its admin Secret"] == "mercado-postgres-admin"
    for refused in ("list Secrets", "list Secrets everywhere", "delete a Secret", "list Pods"):
        assert seen[refused] == 403, (refused, seen[refused])
    assert mercado.get("secret", "mercado-postgres-admin")["metadata"]["name"]
