"""The charts installed by the real helm into the test run's kube-apiserver: every object
stored after strict server-side validation, custom resources accepted by the operator's
CRDs, upgrade and uninstall, and the RBAC the operator chart grants checked by the API
server's own authorizer."""

import base64

import pytest
import yaml
from kubernetes import client, dynamic
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from .support import (
    INFRA,
    ONLY_ORDERS,
    PLATFORM,
    PRODUCTION,
    Helm,
    delete,
    of_kind,
    strictly_accepted,
)

HOOKS = {"Job", "Pod"}


def _objects(api: ApiClient, kind: str, namespace: str) -> set[str]:
    """Names of the stored objects of one kind in `namespace`."""
    dyn = dynamic.DynamicClient(api)
    api_version = {
        "Deployment": "apps/v1",
        "Service": "v1",
        "ConfigMap": "v1",
        "Database": "mercado.dev/v1alpha1",
        "MessagingTopology": "mercado.dev/v1alpha1",
        "NetworkPolicy": "networking.k8s.io/v1",
        "PodDisruptionBudget": "policy/v1",
        "ServiceAccount": "v1",
        "Secret": "v1",
        "StatefulSet": "apps/v1",
        "HorizontalPodAutoscaler": "autoscaling/v2",
        "Ingress": "networking.k8s.io/v1",
    }[kind]
    resource = dyn.resources.get(api_version=api_version, kind=kind)
    return {item.metadata.name for item in resource.get(namespace=namespace).items}


def _release_objects(docs: list[dict]) -> list[dict]:
    """The manifests helm installs as the release (not hooks)."""
    return [d for d in docs if "helm.sh/hook" not in d["metadata"].get("annotations", {})]


def test_platform_chart_installs_upgrades_and_uninstalls(
    kube_helm: Helm, kube_api, operator_release, namespace
):
    docs = kube_helm.template(PLATFORM, namespace=namespace)
    # strict validation first: no field the API server would drop, nothing it refuses
    accepted = strictly_accepted(kube_api, _release_objects(docs), dry_run=True)
    assert len(accepted) == len(_release_objects(docs))
    # --no-hooks: the migration Jobs would wait for pods that never run here
    notes = kube_helm.run("install", "mercado", str(PLATFORM), "-n", namespace, "--no-hooks")
    assert f"kubectl -n {namespace} port-forward svc/mercado-mailpit 8025" in notes.stdout
    for kind in ("Deployment", "Service", "Database", "MessagingTopology", "NetworkPolicy"):
        expected = {d["metadata"]["name"] for d in of_kind(_release_objects(docs), kind)}
        assert expected and _objects(kube_api, kind, namespace) == expected, kind
    # APIs, gRPC APIs (orders, inventory), relays (notifications publishes nothing),
    # consumers, workers (inventory's expire-reservations, payments' retry-outstanding,
    # notifications' deliver), the gateway
    assert len(_objects(kube_api, "Deployment", namespace)) == 5 + 2 + 4 + 4 + 3 + 1
    assert "mercado-gateway" in _objects(kube_api, "ConfigMap", namespace)

    kube_helm.run(
        "upgrade",
        "mercado",
        str(PLATFORM),
        "-n",
        namespace,
        "--no-hooks",
        "--set",
        "services.payments.enabled=false",
        "--set",
        "serviceDefaults.api.replicas=2",
    )
    deployments = _objects(kube_api, "Deployment", namespace)
    assert "mercado-payments" not in deployments and "mercado-orders" in deployments
    assert "mercado-payments" not in _objects(kube_api, "Database", namespace)
    apps = client.AppsV1Api(kube_api)
    assert apps.read_namespaced_deployment("mercado-orders", namespace).spec.replicas == 2

    # payments back: its Database is new in this upgrade, the others' exist already
    kube_helm.run(
        "upgrade", "mercado", str(PLATFORM), "-n", namespace, "--no-hooks", "--reset-values"
    )
    hooks = yaml.safe_load_all(kube_helm.run("get", "hooks", "mercado", "-n", namespace).stdout)
    when = {
        job["metadata"]["name"]: job["metadata"]["annotations"]["helm.sh/hook"]
        for job in hooks
        if job and job["kind"] == "Job"
    }
    assert len(when) == 5, when
    assert when["mercado-orders-migrate"] == "pre-upgrade", "migrate before new code rolls out"
    assert when["mercado-payments-migrate"] == "post-upgrade", "after its Database exists"
    assert "mercado-payments" in _objects(kube_api, "Database", namespace)
    history = kube_helm.run("history", "mercado", "-n", namespace).stdout
    assert "deployed" in history and len(history.strip().splitlines()) == 4

    kube_helm.run("uninstall", "mercado", "-n", namespace)
    assert not _objects(kube_api, "Deployment", namespace)
    assert not _objects(kube_api, "Database", namespace)


def test_a_generated_secret_is_kept_across_upgrades(kube_helm, kube_api, namespace):
    """payments' webhook secret: made by the first install, looked up by every upgrade."""
    only_payments = {
        "services": {
            name: {"enabled": name == "payments"}
            for name in ("users", "inventory", "orders", "payments", "notifications")
        },
        "gateway": {"enabled": False},
    }
    install = ["mercado", str(PLATFORM), "-n", namespace, "--no-hooks"]
    kube_helm.run("install", *install, values=only_payments)
    core = client.CoreV1Api(kube_api)
    first = core.read_namespaced_secret("mercado-payments-stripe", namespace).data
    assert base64.b64decode(first["webhook-secret"]).startswith(b"whsec_")
    kube_helm.run(
        "upgrade", *install, "--set", "gateway.publicUrl=https://a.example", values=only_payments
    )
    kube_helm.run("upgrade", *install, "--reuse-values", "--set", "serviceDefaults.api.replicas=2")
    again = core.read_namespaced_secret("mercado-payments-stripe", namespace).data
    assert again == first, "the same secret: signatures made before the upgrade still verify"
    env = client.AppsV1Api(kube_api).read_namespaced_deployment("mercado-payments", namespace)
    refs = {
        e.name: e.value_from.secret_key_ref.name
        for e in env.spec.template.spec.containers[0].env
        if e.value_from
    }
    assert refs["STRIPE_WEBHOOK_SECRET"] == "mercado-payments-stripe"
    kube_helm.run("uninstall", "mercado", "-n", namespace)


def test_production_and_single_service_values_install(
    kube_helm, kube_api, operator_release, namespace
):
    notes = kube_helm.run(
        "install", "prod", str(PLATFORM), "-n", namespace, "--no-hooks", "-f", str(PRODUCTION)
    ).stdout
    assert "https://shop.example.com" in notes and "mailpit" not in notes
    assert {"prod-mercado-orders", "prod-mercado-users"} <= _objects(
        kube_api, "HorizontalPodAutoscaler", namespace
    )
    assert _objects(kube_api, "Ingress", namespace) == {"prod-mercado-gateway"}
    assert not {n for n in _objects(kube_api, "Secret", namespace) if "payments" in n}, (
        "Stripe's secrets are the user's in production"
    )
    assert {"prod-mercado-payments-egress", "prod-mercado-notifications-egress"} <= _objects(
        kube_api, "NetworkPolicy", namespace
    )
    kube_helm.run(
        "install", "solo", str(PLATFORM), "-n", namespace, "--no-hooks", values=ONLY_ORDERS
    )
    solo = {n for n in _objects(kube_api, "Deployment", namespace) if n.startswith("solo-")}
    assert solo == {
        "solo-mercado-orders",
        "solo-mercado-orders-grpc",
        "solo-mercado-orders-relay",
        "solo-mercado-orders-consumer",
    }
    for release in ("prod", "solo"):
        kube_helm.run("uninstall", release, "-n", namespace)


def test_hooks_and_helm_tests_are_accepted_by_the_api_server(
    kube_helm, kube_api, operator_release, namespace
):
    """What --no-hooks left out (migration Jobs, `helm test` pods) created for real, strictly."""
    docs = kube_helm.template(PLATFORM, namespace=namespace)
    hooks = [d for d in docs if "helm.sh/hook" in d["metadata"].get("annotations", {})]
    kinds = {d["kind"] for d in hooks}
    assert kinds == HOOKS, kinds
    needed = [d for d in docs if d["kind"] in ("ServiceAccount", "ConfigMap")]
    strictly_accepted(kube_api, needed, dry_run=False)
    assert len(strictly_accepted(kube_api, hooks, dry_run=False)) == len(hooks)
    jobs = client.BatchV1Api(kube_api).list_namespaced_job(namespace).items
    assert {job.metadata.name for job in jobs} == {
        f"mercado-{name}-migrate"
        for name in ("users", "inventory", "orders", "payments", "notifications")
    }
    delete(kube_api, hooks + needed)


def test_custom_resources_meet_the_crd_schemas(kube_helm, kube_api, operator_release, namespace):
    """The CRDs' own validation speaks when values describe a queue the operator owns."""
    bad = {"services": {"inventory": {"messaging": {"queues": [{"name": "inventory.orders.dlq"}]}}}}
    failed = kube_helm.run(
        "install", "bad", str(PLATFORM), "-n", namespace, "--no-hooks", values=bad, check=False
    )
    assert failed.returncode != 0
    assert "names ending in .retry or .dlq belong to the queues the operator adds" in failed.stderr


def test_dev_infra_chart_installs_and_uninstalls(kube_helm, kube_api, namespace):
    docs = kube_helm.template(INFRA, namespace=namespace)
    assert len(strictly_accepted(kube_api, docs, dry_run=True)) == len(docs)
    notes = kube_helm.run("install", "infra", str(INFRA), "-n", namespace).stdout
    assert f"kubectl -n {namespace} port-forward svc/mercado-mailpit 8025" in notes
    assert _objects(kube_api, "StatefulSet", namespace) == {"mercado-postgres", "mercado-rabbitmq"}
    assert _objects(kube_api, "Deployment", namespace) == {"mercado-mailpit"}
    assert {"mercado-postgres", "mercado-rabbitmq", "mercado-mailpit"} == _objects(
        kube_api, "NetworkPolicy", namespace
    )
    secrets = _objects(kube_api, "Secret", namespace)
    assert {"mercado-postgres-admin", "mercado-rabbitmq-admin"} <= secrets
    first = client.CoreV1Api(kube_api).read_namespaced_secret("mercado-postgres-admin", namespace)
    kube_helm.run("upgrade", "infra", str(INFRA), "-n", namespace)
    again = client.CoreV1Api(kube_api).read_namespaced_secret("mercado-postgres-admin", namespace)
    assert again.data == first.data, "an upgrade keeps the generated passwords"
    kube_helm.run("upgrade", "infra", str(INFRA), "-n", namespace, "--set", "mailpit.enabled=false")
    assert not _objects(kube_api, "Deployment", namespace), "production: no mail catcher"
    kube_helm.run("uninstall", "infra", "-n", namespace)
    assert not _objects(kube_api, "StatefulSet", namespace)


CAN = [
    ("patch", "mercado.dev", "databases", ""),
    ("watch", "mercado.dev", "messagingtopologies", ""),
    ("patch", "mercado.dev", "databases", "status"),
    ("update", "mercado.dev", "messagingtopologies", "finalizers"),
    ("get", "", "secrets", ""),
    ("create", "", "secrets", ""),
    ("patch", "", "secrets", ""),
    ("create", "", "events", ""),
]
CANNOT = [
    ("list", "", "secrets", ""),
    ("delete", "", "secrets", ""),
    ("delete", "mercado.dev", "databases", ""),
    ("create", "apps", "deployments", ""),
    ("get", "", "configmaps", ""),
]


@pytest.mark.parametrize(
    ("verb", "group", "resource", "sub", "allowed"),
    [(*c, True) for c in CAN] + [(*c, False) for c in CANNOT],
)
def test_the_operator_may_do_exactly_its_job_in_the_platform_namespace(
    kube_api, operator_release, verb, group, resource, sub, allowed
):
    """The API server's RBAC authorizer on the chart's ServiceAccount, in a platform namespace
    (the operator's own tests run the operator itself with this RBAC)."""
    release, operator_namespace = operator_release
    review = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user=f"system:serviceaccount:{operator_namespace}:{release}-mercado-operator",
            groups=["system:serviceaccounts", f"system:serviceaccounts:{operator_namespace}"],
            resource_attributes=client.V1ResourceAttributes(
                namespace="mercado", verb=verb, group=group, resource=resource, subresource=sub
            ),
        )
    )
    status = client.AuthorizationV1Api(kube_api).create_subject_access_review(review).status
    assert status.allowed is allowed, (verb, group, resource, sub, status.reason)


def test_strict_validation_refuses_a_field_the_server_does_not_know(kube_helm, kube_api, namespace):
    """The check above is not a formality: a misspelt field is an error, not a warning."""
    docs = kube_helm.template(PLATFORM, namespace=namespace, values=ONLY_ORDERS)
    deployment = of_kind(docs, "Deployment")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(ApiException) as refused:
        strictly_accepted(kube_api, [deployment], dry_run=True)
    assert "readinesProbe: field not declared in schema" in refused.value.body.decode()
