"""skaffold.yaml exercised against the same charts: `skaffold render -p node` renders the
three releases through helm with the images skaffold would deploy and the node's values,
and the API server of the real node accepts every object it rendered (a server-side dry
run, CRDs and admission included)."""

from collections import defaultdict

import yaml

from mercado_platform.testing.kube import tools_bin

from .node import ROOT

SERVICES = ("users", "inventory", "orders", "payments", "notifications")


def images_of(objects: list[dict]) -> dict[str, set[str]]:
    """Each workload's (and test pod's) container images, by kind/name."""
    found: dict[str, set[str]] = defaultdict(set)
    for item in objects:
        spec = item.get("spec", {})
        pod = spec.get("template", {}).get("spec") or (spec if item["kind"] == "Pod" else None)
        for container in (pod or {}).get("containers", []):
            found[f"{item['kind']}/{item['metadata']['name']}"].add(container["image"])
    return found


def test_skaffold_renders_the_charts_with_its_images_and_the_node_accepts_them(mercado, tmp_path):
    rendered = tmp_path / "rendered.yaml"
    mercado.run(
        str(tools_bin() / "skaffold"),
        *("render", "--profile", "node", "--digest-source", "tag", "--tag", "skaffold-test"),
        *("--offline", "--filename", str(ROOT / "skaffold.yaml"), "--output", str(rendered)),
    )
    objects = [d for d in yaml.safe_load_all(rendered.read_text()) if d]
    images = images_of(objects)
    for service in SERVICES:
        assert images[f"Deployment/mercado-{service}"] == {f"mercado/{service}:skaffold-test"}
    assert images["Deployment/mercado-operator"] == {"mercado/operator:skaffold-test"}
    assert images["Deployment/mercado-gateway"] == {"mercado.local/nginx:bookworm"}
    assert images["StatefulSet/mercado-postgres"] == {"mercado.local/postgres:bookworm"}
    # the helm test pods run images skaffold deploys, not the chart's appVersion
    assert images["Pod/mercado-test-readyz"] == {"mercado/inventory:skaffold-test"}
    assert images["Pod/mercado-test-order"] == {"mercado/users:skaffold-test"}

    # helm's test pods stay after `helm test`, and a pod's spec cannot change: leave them out
    applied = [o for o in objects if "test" not in hook(o)]
    manifest = tmp_path / "applied.yaml"
    manifest.write_text(yaml.safe_dump_all(applied))
    accepted = mercado.run(
        str(tools_bin() / "kubectl"), "apply", "--dry-run=server", "-f", str(manifest)
    )
    assert len(accepted.splitlines()) == len(applied) > 80, accepted


def hook(item: dict) -> str:
    return item["metadata"].get("annotations", {}).get("helm.sh/hook", "")
