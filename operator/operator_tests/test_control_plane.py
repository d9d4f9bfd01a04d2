"""The real kube-apiserver + etcd the operator is tested against, driven by the real client."""

import base64
import uuid

import pytest
from kubernetes import client, config


@pytest.fixture
def core(kube_cluster):
    api = config.new_client_from_config(config_file=str(kube_cluster.kubeconfig))
    yield client.CoreV1Api(api)
    api.close()


@pytest.fixture
def namespace(core):
    name = f"test-{uuid.uuid4().hex[:8]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def test_namespace_and_secret_round_trip(core, namespace):
    assert core.read_namespace(namespace).status.phase == "Active"
    secret = client.V1Secret(
        metadata=client.V1ObjectMeta(
            name="orders-db", labels={"app.kubernetes.io/part-of": "mercado"}
        ),
        string_data={"username": "orders", "password": "s3cret"},
    )
    core.create_namespaced_secret(namespace, secret)
    stored = core.read_namespaced_secret("orders-db", namespace)
    assert base64.b64decode(stored.data["password"]) == b"s3cret"
    assert stored.metadata.labels["app.kubernetes.io/part-of"] == "mercado"
    names = [s.metadata.name for s in core.list_namespaced_secret(namespace).items]
    assert "orders-db" in names


def test_server_reports_its_pinned_version(kube_cluster):
    api = config.new_client_from_config(config_file=str(kube_cluster.kubeconfig))
    try:
        version = client.VersionApi(api).get_code()
    finally:
        api.close()
    assert version.git_version == "v1.34.4"
