"""The operator process: the RBAC its chart grants is what it uses and no more, peering,
liveness, metrics, and refusing a bad configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kubernetes import client

from mercado_platform.testing.polling import eventually
from mercado_platform.testing.processes import free_port, spawn, stop_process

from .cluster import of_kind, render
from .test_operator_databases import database_spec

PLURALS = ("databases", "messagingtopologies")
GRANTED = {
    *{("mercado.dev", p, v) for p in PLURALS for v in ("get", "list", "watch", "patch")},
    *{("mercado.dev", f"{p}/status", v) for p in PLURALS for v in ("get", "patch")},
    *{("mercado.dev", f"{p}/finalizers", "update") for p in PLURALS},
    *{("", "secrets", v) for v in ("get", "create", "patch")},
    ("", "events", "create"),
    ("apiextensions.k8s.io", "customresourcedefinitions", "list"),
    ("apiextensions.k8s.io", "customresourcedefinitions", "watch"),
    *{("kopf.dev", "clusterkopfpeerings", v) for v in ("get", "list", "watch", "patch")},
}


def granted_by(cluster_role: dict) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in cluster_role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_the_cluster_role_grants_exactly_what_the_operator_uses():
    docs = render("mercado", "mercado-system")
    assert granted_by(of_kind(docs, "ClusterRole")[0]) == GRANTED
    assert not of_kind(docs, "Role"), "everything it touches may live in any namespace"
    binding = of_kind(docs, "ClusterRoleBinding")[0]
    account = of_kind(docs, "ServiceAccount")[0]["metadata"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
    ]


@pytest.mark.parametrize(
    ("verb", "group", "resource", "allowed"),
    [
        ("patch", "mercado.dev", "databases", True),
        ("watch", "mercado.dev", "messagingtopologies", True),
        ("patch", "mercado.dev", "messagingtopologies/status", True),
        ("create", "", "secrets", True),
        ("get", "", "secrets", True),
        ("create", "", "events", True),
        ("patch", "kopf.dev", "clusterkopfpeerings", True),
        ("create", "mercado.dev", "databases", False),
        ("delete", "mercado.dev", "messagingtopologies", False),
        ("list", "", "secrets", False),
        ("delete", "", "secrets", False),
        ("get", "", "pods", False),
        ("list", "", "namespaces", False),
        ("create", "apiextensions.k8s.io", "customresourcedefinitions", False),
        ("delete", "kopf.dev", "clusterkopfpeerings", False),
        ("create", "rbac.authorization.k8s.io", "clusterroles", False),
    ],
)
def test_the_service_account_may_do_its_job_and_nothing_else(
    kube_api, operator, verb, group, resource, allowed
):
    name, _, sub = resource.partition("/")
    review = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user=f"system:serviceaccount:{operator.namespace}:{operator.service_account}",
            groups=["system:serviceaccounts", f"system:serviceaccounts:{operator.namespace}"],
            resource_attributes=client.V1ResourceAttributes(
                namespace="anywhere", verb=verb, group=group, resource=name, subresource=sub
            ),
        )
    )
    answer = client.AuthorizationV1Api(kube_api).create_subject_access_review(review)
    assert answer.status.allowed is allowed


def peers(kube_api, operator) -> dict:
    """The live operators recorded in the peering object, by identity."""
    peering = client.CustomObjectsApi(kube_api).get_cluster_custom_object(
        "kopf.dev", "v1", "clusterkopfpeerings", f"{operator.release}-mercado-operator"
    )
    return {k: v for k, v in peering.get("status", {}).items() if v and v.get("lifetime")}


def test_peering_records_the_running_operator(kube_api, operator):
    assert operator.pod in peers(kube_api, operator)


def test_a_second_replica_stands_by_while_one_works(
    operator, kube_api, resources, postgres_secret, tmp_path
):
    seen = len(operator.log.read_text())
    log = tmp_path / "second.log"
    ports = {"LIVENESS_PORT": str(free_port()), "METRICS_PORT": str(free_port())}
    second = spawn(operator.command, log=log, env={**operator.env, "POD_ID": "second", **ports})
    try:
        eventually(lambda: set(peers(kube_api, operator)) == {operator.pod, "second"}, timeout=30)
        spec = database_spec(postgres_secret)
        resources.create("databases", "shared", spec)
        resources.wait_ready("databases", "shared")
        created = f"created login role {spec['owner']}"
        handled = operator.log.read_text()[seen:].count(created) + log.read_text().count(created)
        assert handled == 1, "one replica works, the other stands by"
    finally:
        stop_process(second)
    resources.create("databases", "after", database_spec(postgres_secret))
    resources.wait_ready("databases", "after", timeout=30)


def test_liveness_and_metrics_are_served(operator):
    assert operator.alive()
    metrics = operator.metrics()
    for name in (
        "mercado_operator_reconciles_total",
        "mercado_operator_reconcile_errors_total",
        "mercado_operator_reconcile_duration_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in metrics


def test_a_bad_setting_stops_the_operator_naming_the_variable():
    program = Path(sys.executable).parent / "mercado-operator"
    result = subprocess.run(
        [str(program)],
        env={**os.environ, "DRIFT_INTERVAL_SECONDS": "soon", "LOG_LEVEL": "LOUD"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DRIFT_INTERVAL_SECONDS" in result.stderr and "LOG_LEVEL" in result.stderr
