"""The operator chart as the real `helm` renders it: CRDs kept, peering, a locked-down pod."""

import re
import subprocess

from mercado_platform.testing.kube import tool

from .cluster import CHART, of_kind, render

PASSED_THROUGH = {"resources", "podSecurityContext", "securityContext"}


def test_helm_lint_passes():
    result = subprocess.run(
        [tool("helm"), "lint", "--strict", str(CHART)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_crds_are_kept_on_uninstall_and_can_be_left_out():
    docs = render("mercado", "mercado-system")
    crds = {doc["metadata"]["name"]: doc for doc in of_kind(docs, "CustomResourceDefinition")}
    assert set(crds) == {
        "databases.mercado.dev",
        "messagingtopologies.mercado.dev",
        "clusterkopfpeerings.kopf.dev",
    }
    for name in ("databases.mercado.dev", "messagingtopologies.mercado.dev"):
        assert crds[name]["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        version = crds[name]["spec"]["versions"][0]
        assert version["subresources"] == {"status": {}}
        assert "status" in version["schema"]["openAPIV3Schema"]["properties"]
    ours = render("mercado", "s", {"crds.install": "false"})
    assert {crd["metadata"]["name"] for crd in of_kind(ours, "CustomResourceDefinition")} == {
        "clusterkopfpeerings.kopf.dev"
    }, "crds.install is about Mercado's own CRDs"
    without = render("mercado", "s", {"crds.install": "false"}, crds=False)
    assert not of_kind(without, "CustomResourceDefinition"), "--skip-crds leaves kopf's out"
    assert of_kind(without, "ClusterKopfPeering"), "the peering object is still needed"


def test_the_peering_object_is_a_hook_named_like_the_operator_expects():
    docs = render("mercado", "mercado-system")
    peering = of_kind(docs, "ClusterKopfPeering")[0]
    assert "post-install" in peering["metadata"]["annotations"]["helm.sh/hook"]
    env = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "PEERING_NAME", "value": peering["metadata"]["name"]} in env


def test_the_pod_runs_locked_down_with_a_liveness_probe():
    docs = render("mercado", "mercado-system", {"image.tag": ""})
    pod = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "liveness"}
    assert container["image"] == "mercado/operator:0.1.0", "the tag falls back to appVersion"
    assert pod["serviceAccountName"] == "mercado-mercado-operator"


def test_every_value_is_commented():
    """Each key has a comment line above it, except inside the Kubernetes objects passed through."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    section = ""
    for number, line in enumerate(lines):
        key = re.match(r"^(\s*)([A-Za-z][\w.-]*):", line)
        if key is None:
            continue
        if not key.group(1):
            section = key.group(2)
        elif section in PASSED_THROUGH:
            continue
        assert lines[number - 1].lstrip().startswith("#"), f"values.yaml:{number + 1} {line}"
