"""The operator chart installed by the real helm into a cluster that has none of its CRDs: one
`helm install` is enough, though its peering hook is of a kind whose CRD the chart brings.
With that CRD as a template, 5 of 20 such installs failed ("no matches for kind
ClusterKopfPeering": the hook ran before the new kind was served), so several fresh installs
are tried, in a cluster of this module's own: deleting CRDs in the shared one would wait
forever on the finalizers of other tests' custom resources."""

import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client, config
from kubernetes.client import ApiClient

from mercado_platform.testing.kube import KubeCluster
from mercado_platform.testing.polling import eventually

from .support import OPERATOR, Helm

CRDS = {"clusterkopfpeerings.kopf.dev", "databases.mercado.dev", "messagingtopologies.mercado.dev"}
INSTALLS = 4


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[tuple[Helm, ApiClient]]:
    """etcd + kube-apiserver for this module alone: helm pointed at it, and an API client."""
    cluster = KubeCluster().start()
    api = config.new_client_from_config(config_file=str(cluster.kubeconfig))
    yield Helm(cluster.kubeconfig), api
    api.close()
    cluster.destroy()


def _crds(extensions: client.ApiextensionsV1Api) -> set[str]:
    return {crd.metadata.name for crd in extensions.list_custom_resource_definition().items}


def _forget_crds(api: ApiClient) -> None:
    """Delete the chart's CRDs (and so every object of their kinds); wait until gone. Each
    kind is listed first: deleting a CRD whose storage is still being set up leaves it
    terminating ("could not list instances: storage is (re)initializing") for a long while."""
    extensions, objects = client.ApiextensionsV1Api(api), client.CustomObjectsApi(api)
    for crd in extensions.list_custom_resource_definition().items:
        kind = (crd.spec.group, crd.spec.versions[0].name, crd.spec.names.plural)
        eventually(lambda k=kind: objects.list_cluster_custom_object(*k), what=f"{kind} listed")
        extensions.delete_custom_resource_definition(crd.metadata.name)
    eventually(lambda: not _crds(extensions), timeout=60, what="every CRD deleted")


def _peerings(api: ApiClient) -> set[str]:
    listed = client.CustomObjectsApi(api).list_cluster_custom_object(
        "kopf.dev", "v1", "clusterkopfpeerings"
    )
    return {item["metadata"]["name"] for item in listed["items"]}


def test_a_first_install_succeeds_and_uninstall_keeps_the_crds(
    own_cluster: tuple[Helm, ApiClient],
):
    kube_helm, kube_api = own_cluster
    extensions = client.ApiextensionsV1Api(kube_api)
    for _ in range(INSTALLS):
        _forget_crds(kube_api)
        release = f"op-{uuid.uuid4().hex[:6]}"
        namespace = ["-n", f"{release}-system"]
        command = ["install", release, str(OPERATOR), *namespace, "--create-namespace"]
        done = kube_helm.run(*command, check=False)
        assert done.returncode == 0, done.stderr
        assert f"{release}-mercado-operator" in _peerings(kube_api)

        kube_helm.run("upgrade", release, str(OPERATOR), *namespace)
        kube_helm.run("uninstall", release, *namespace)
        assert _crds(extensions) == CRDS, "every CRD is kept"
