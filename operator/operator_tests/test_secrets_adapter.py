"""The Secrets adapter against the real API server."""

import pytest
from kubernetes import client

from mercado_operator.adapters.secrets import Secrets
from mercado_operator.failures import PermanentFailure, TemporaryFailure


@pytest.fixture
def owner(kube_api, namespace) -> dict:
    """Any object can own a Secret; a ConfigMap stands in for a Database here."""
    made = client.CoreV1Api(kube_api).create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owner"))
    )
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "owner", "namespace": namespace, "uid": made.metadata.uid},
    }


def test_written_secrets_are_owned_and_rewritten_only_when_they_differ(kube_api, owner, secrets):
    adapter = Secrets(client.CoreV1Api(kube_api))
    assert adapter.write(owner, "creds", "servicebinding.io/postgresql", {"a": "1", "b": "2"})
    assert adapter.owned(owner, "creds") == {"a": "1", "b": "2"}
    stored = secrets.raw("creds")
    assert stored.type == "servicebinding.io/postgresql"
    assert stored.metadata.owner_references[0].uid == owner["metadata"]["uid"]
    assert stored.metadata.labels["app.kubernetes.io/managed-by"] == "mercado-operator"
    assert not adapter.write(owner, "creds", "servicebinding.io/postgresql", {"a": "1", "b": "2"})
    assert adapter.write(owner, "creds", "servicebinding.io/postgresql", {"a": "3"})
    assert secrets.read("creds") == {"a": "3"}


def test_a_secret_of_someone_else_is_a_conflict(kube_api, owner, secrets):
    secrets.create("taken", {"password": "theirs"})
    adapter = Secrets(client.CoreV1Api(kube_api))
    with pytest.raises(PermanentFailure) as conflict:
        adapter.write(owner, "taken", "Opaque", {"password": "ours"})
    assert conflict.value.reason == "SecretConflict"
    assert secrets.read("taken") == {"password": "theirs"}


def test_required_entries_are_named_when_missing(kube_api, namespace, secrets):
    adapter = Secrets(client.CoreV1Api(kube_api))
    secrets.create("admin", {"username": "guest"})
    assert adapter.require(namespace, "admin", ("username",)) == {"username": "guest"}
    with pytest.raises(TemporaryFailure) as partial:
        adapter.require(namespace, "admin", ("username", "password", "host"))
    assert partial.value.reason == "AdminSecretMissing"
    assert partial.value.message.endswith(
        "has no password, host; it must hold username, password, host"
    )
    with pytest.raises(TemporaryFailure) as absent:
        adapter.require(namespace, "nothing", ("uri",))
    assert "does not exist" in absent.value.message
