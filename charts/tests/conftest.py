"""Fixtures of the chart tests: the real `helm` binary, and for installs the test run's
etcd + kube-apiserver (no kubelet: objects are stored and validated, no pod runs)."""

import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client, config
from kubernetes.client import ApiClient

from mercado_platform.testing.kube import KubeCluster

from .support import OPERATOR, Helm


@pytest.fixture(scope="session")
def helm() -> Helm:
    return Helm()


@pytest.fixture(scope="module")
def kube_helm(kube_cluster: KubeCluster) -> Helm:
    return Helm(kube_cluster.kubeconfig)


@pytest.fixture(scope="module")
def kube_api(kube_cluster: KubeCluster) -> Iterator[ApiClient]:
    api = config.new_client_from_config(config_file=str(kube_cluster.kubeconfig))
    yield api
    api.close()


@pytest.fixture(scope="module")
def operator_release(kube_helm: Helm, kube_api: ApiClient) -> Iterator[tuple[str, str]]:
    """The operator chart installed by helm (CRDs, RBAC, ServiceAccount, Deployment, peering):
    (release, namespace). --take-ownership: other tests of this run may have created the
    CRDs without helm."""
    release = f"op-{uuid.uuid4().hex[:6]}"
    namespace = f"{release}-system"
    command = ["upgrade", "--install", release, str(OPERATOR), "--namespace", namespace]
    command += ["--create-namespace", "--take-ownership"]
    kube_helm.run(*command)
    yield release, namespace
    kube_helm.run("uninstall", release, "--namespace", namespace)


@pytest.fixture
def namespace(kube_api: ApiClient) -> Iterator[str]:
    """A fresh namespace (never finishes terminating: there is no namespace controller)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(kube_api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)
