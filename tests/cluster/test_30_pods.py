"""Mercado's pods as they actually run on the node: uid 10001, a read-only root file
system, and memory limits that are the containers' own cgroup limits (read inside each
container and, for the pod, in the kubelet's cgroup tree on the host)."""

from pathlib import Path

import pytest

from .node import CONTEXT

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def as_bytes(quantity: str) -> int:
    for suffix, factor in UNITS.items():
        if quantity.endswith(suffix):
            return int(quantity[: -len(suffix)]) * factor
    return int(quantity)


def running_pods(mercado, namespace: str, selector: str) -> list[dict]:
    pods = mercado.get("pods", "-l", selector, namespace=namespace)["items"]
    return [p for p in pods if p["status"]["phase"] == "Running"]


@pytest.fixture(scope="module")
def pods(mercado) -> list[tuple[str, dict]]:
    platform = running_pods(mercado, "mercado", "app.kubernetes.io/part-of=mercado")
    operator = running_pods(mercado, "mercado-system", "app.kubernetes.io/name=mercado-operator")
    assert len(platform) >= 15 and len(operator) == 1
    return [("mercado", p) for p in platform] + [("mercado-system", p) for p in operator]


def test_every_service_pod_runs_as_10001_on_a_read_only_root(mercado, pods):
    for namespace, pod in pods:
        name = pod["metadata"]["name"]
        if name.startswith("mercado-gateway"):
            continue  # nginx runs as its image's 101, asserted below
        assert mercado.exec(f"pod/{name}", "id", "-u", namespace=namespace).strip() == "10001"
        write = mercado.exec(
            f"pod/{name}", "sh", "-c", "touch /written 2>&1; echo $?", namespace=namespace
        )
        assert "Read-only file system" in write and write.strip().endswith("1"), (name, write)
    [gateway] = [p for _, p in pods if p["metadata"]["name"].startswith("mercado-gateway")]
    uid = mercado.exec(f"pod/{gateway['metadata']['name']}", "id", "-u")
    assert uid.strip() == "101"


def test_memory_limits_are_the_containers_cgroup_limits(mercado, pods):
    for namespace, pod in pods:
        name = pod["metadata"]["name"]
        [container] = pod["spec"]["containers"]
        limit = as_bytes(container["resources"]["limits"]["memory"])
        inside = mercado.exec(
            f"pod/{name}", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes", namespace=namespace
        )
        assert int(inside) == limit, (name, inside, limit)
        qos = pod["status"]["qosClass"].lower()
        cgroup = Path(f"/sys/fs/cgroup/memory/{CONTEXT}/kubepods")
        pod_dir = (cgroup / qos if qos != "guaranteed" else cgroup) / f"pod{pod['metadata']['uid']}"
        assert int((pod_dir / "memory.limit_in_bytes").read_text()) == limit, name
