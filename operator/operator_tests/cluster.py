"""The operator's chart rendered by the real helm and applied to the test API server, the
operator run as a process with a token of the chart's ServiceAccount, and the custom
resources tests create."""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, dynamic
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from mercado_platform.testing.kube import KubeCluster, tool
from mercado_platform.testing.polling import eventually

CHART = Path(__file__).resolve().parents[2] / "charts" / "mercado-operator"
GROUP, VERSION = "mercado.dev", "v1alpha1"


def render(
    release: str, namespace: str, values: dict[str, object] | None = None, *, crds: bool = True
) -> list[dict]:
    """The chart's manifests as `helm install` creates them: crds/ (unless `crds` is false, as
    with `--skip-crds`) and hooks included."""
    args = [tool("helm"), "template", release, str(CHART), "--namespace", namespace]
    args += ["--include-crds"] if crds else []
    for key, value in (values or {}).items():
        args += ["--set", f"{key}={value}"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    """The manifests of one kind."""
    return [doc for doc in docs if doc["kind"] == kind]


def install(api: ApiClient, docs: list[dict]) -> None:
    """Create (or update) every manifest: the CRDs first, once established, then the rest."""
    crds = of_kind(docs, "CustomResourceDefinition")
    _apply(dynamic.DynamicClient(api), crds)
    extensions = client.ApiextensionsV1Api(api)
    for crd in crds:
        eventually(
            lambda name=crd["metadata"]["name"]: _established(
                extensions.read_custom_resource_definition(name)
            ),
            timeout=30,
            what=f"CRD {crd['metadata']['name']} established",
        )
    _apply(dynamic.DynamicClient(api), [doc for doc in docs if doc not in crds])


def service_account_kubeconfig(
    api: ApiClient, cluster: KubeCluster, namespace: str, account: str, path: Path
) -> Path:
    """A kubeconfig holding a token of `account` obtained through the TokenRequest API."""
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=7200)
    )
    token = (
        client.CoreV1Api(api)
        .create_namespaced_service_account_token(account, namespace, request)
        .status.token
    )
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "test",
                        "cluster": {
                            "server": cluster.server,
                            "certificate-authority": str(cluster.ca_file),
                        },
                    }
                ],
                "users": [{"name": account, "user": {"token": token}}],
                "contexts": [{"name": "sa", "context": {"cluster": "test", "user": account}}],
                "current-context": "sa",
            }
        )
    )
    return path


def container_command(deployment: dict, pod_name: str) -> tuple[list[str], dict[str, str]]:
    """The operator container's command (from this venv) and environment, as the pod gets them."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {}
    for variable in container.get("env", []):
        field = variable.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        env[variable["name"]] = pod_name if field == "metadata.name" else variable["value"]
    program = shutil.which(container["command"][0], path=str(Path(sys.executable).parent))
    assert program is not None, f"{container['command'][0]} is not installed in this venv"
    return [program, *container["command"][1:]], env


@dataclass
class CustomResources:
    """Databases and MessagingTopologies in one namespace, read and written as the admin."""

    api: ApiClient
    namespace: str

    @property
    def objects(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api)

    def create(self, plural: str, name: str, spec: dict[str, Any]) -> dict:
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": _kind(plural)}
        body |= {"metadata": {"name": name}, "spec": spec}
        return self.objects.create_namespaced_custom_object(
            GROUP, VERSION, self.namespace, plural, body
        )

    def get(self, plural: str, name: str) -> dict | None:
        try:
            return self.objects.get_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, name
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def patch_spec(self, plural: str, name: str, spec: dict[str, Any]) -> dict:
        return self.objects.patch_namespaced_custom_object(
            GROUP, VERSION, self.namespace, plural, name, {"spec": spec}
        )

    def delete(self, plural: str, name: str) -> None:
        try:
            self.objects.delete_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, name
            )
        except ApiException as exc:
            if exc.status != 404:
                raise

    def ready(self, plural: str, name: str) -> dict | None:
        """The Ready condition, once it reports on the current generation."""
        body = self.get(plural, name) or {}
        for condition in body.get("status", {}).get("conditions", []):
            if (
                condition["type"] == "Ready"
                and condition["observedGeneration"] == body["metadata"]["generation"]
            ):
                return condition
        return None

    def wait_ready(self, plural: str, name: str, timeout: float = 60) -> dict:
        """The resource once Ready is True for its current generation."""
        eventually(
            lambda: (self.ready(plural, name) or {}).get("status") == "True",
            timeout=timeout,
            what=f"{plural}/{name} Ready (last: {self.ready(plural, name)})",
        )
        return self.get(plural, name)

    def wait_reason(self, plural: str, name: str, reason: str, timeout: float = 60) -> dict:
        """The Ready condition once it gives `reason`."""
        return eventually(
            lambda: (c := self.ready(plural, name)) and c["reason"] == reason and c,
            timeout=timeout,
            what=f"{plural}/{name} Ready condition with reason {reason}",
        )

    def wait_gone(self, plural: str, name: str, timeout: float = 60) -> None:
        eventually(lambda: self.get(plural, name) is None, timeout=timeout, what=f"{name} gone")

    def events(self, name: str) -> list[tuple[str, str, str]]:
        """(type, reason, message) of the Events about object `name`."""
        found = client.CoreV1Api(self.api).list_namespaced_event(
            self.namespace, field_selector=f"involvedObject.name={name}"
        )
        return [(e.type, e.reason, e.message) for e in found.items]

    def delete_all(self, timeout: float = 60) -> None:
        """Delete every resource of ours in the namespace and wait for the operator to let go."""
        for plural in ("databases", "messagingtopologies"):
            listed = self.objects.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural
            )
            for item in listed["items"]:
                self.delete(plural, item["metadata"]["name"])
            for item in listed["items"]:
                self.wait_gone(plural, item["metadata"]["name"], timeout)


def _kind(plural: str) -> str:
    return {"databases": "Database", "messagingtopologies": "MessagingTopology"}[plural]


def _established(crd: Any) -> bool:
    conditions = crd.status.conditions or []
    return any(c.type == "Established" and c.status == "True" for c in conditions)


def _apply(dyn: dynamic.DynamicClient, docs: list[dict]) -> None:
    for doc in docs:
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        namespace = doc["metadata"].get("namespace") if resource.namespaced else None
        try:
            resource.create(body=doc, namespace=namespace)
        except dynamic.exceptions.ConflictError:
            resource.patch(
                body=doc,
                name=doc["metadata"]["name"],
                namespace=namespace,
                content_type="application/merge-patch+json",
            )
