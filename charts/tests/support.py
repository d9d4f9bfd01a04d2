"""What the chart tests share: the real `helm` binary, manifests, strict server-side checks."""

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import dynamic
from kubernetes.client import ApiClient

from mercado_platform.testing.kube import tool

CHARTS = Path(__file__).resolve().parents[1]
PLATFORM, OPERATOR, INFRA = (
    CHARTS / name for name in ("mercado", "mercado-operator", "mercado-dev-infra")
)
PRODUCTION = PLATFORM / "values-production.yaml"
DEV = PLATFORM / "values-dev.yaml"
ONLY_ORDERS = {
    "services": {
        name: {"enabled": name == "orders"}
        for name in ("users", "inventory", "orders", "payments", "notifications")
    },
    "gateway": {"enabled": False},
    "monitoring": {"dashboards": {"enabled": False}},
}


@dataclass
class Helm:
    """The real helm, pointed at the test API server when given a kubeconfig."""

    kubeconfig: Path | None = None

    def run(
        self, *args: str, values: dict[str, Any] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        """`helm args` (+ the kubeconfig, + `values` as a values file); fails with its stderr."""
        command = [tool("helm"), *args]
        if self.kubeconfig:
            command += ["--kubeconfig", str(self.kubeconfig)]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            if values is not None:
                json.dump(values, file)
                file.flush()
                command += ["--values", file.name]
            done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        if check:
            assert done.returncode == 0, f"helm {' '.join(args)}:\n{done.stderr}"
        return done

    def template(
        self,
        chart: Path,
        *args: str,
        values: dict[str, Any] | None = None,
        release: str = "mercado",
        namespace: str = "mercado",
    ) -> list[dict]:
        """The manifests `helm template` renders (hooks and tests included)."""
        done = self.run(
            "template", release, str(chart), "--namespace", namespace, *args, values=values
        )
        return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    """The manifests of one kind."""
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[dict], kind: str, name: str) -> dict:
    """The one manifest of `kind` called `name`."""
    found = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def strictly_accepted(api: ApiClient, docs: list[dict], *, dry_run: bool) -> list[str]:
    """Send each manifest with server-side apply and strict field validation (unknown or
    duplicate fields are errors, not warnings); returns kind/name of each one accepted."""
    dyn = dynamic.DynamicClient(api)
    accepted = []
    for doc in docs:
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        dyn.server_side_apply(
            resource,
            body=doc,
            namespace=doc["metadata"].get("namespace"),
            field_manager="mercado-chart-tests",
            force_conflicts=True,
            dry_run="All" if dry_run else None,
            query_params=[("fieldValidation", "Strict")],
        )
        accepted.append(f"{doc['kind']}/{doc['metadata']['name']}")
    return accepted


def delete(api: ApiClient, docs: list[dict]) -> None:
    """Delete each manifest's object."""
    dyn = dynamic.DynamicClient(api)
    for doc in docs:
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        resource.delete(name=doc["metadata"]["name"], namespace=doc["metadata"].get("namespace"))
