"""skaffold.yaml, kind-config.yaml and the Makefile agree with the charts and images they
drive (no skaffold, kind or Docker here: their files are checked against each other)."""

import re
import subprocess
from pathlib import Path

import yaml

from .support import INFRA, OPERATOR, PLATFORM, named

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("users", "inventory", "orders", "payments", "notifications")


def _skaffold() -> dict:
    return yaml.safe_load((ROOT / "skaffold.yaml").read_text())


def test_skaffold_builds_every_image_from_the_dockerfiles():
    artifacts = {a["image"]: a["docker"] for a in _skaffold()["build"]["artifacts"]}
    assert set(artifacts) == {f"mercado/{s}" for s in SERVICES} | {"mercado/operator"}
    for image, docker in artifacts.items():
        assert (ROOT / docker["dockerfile"]).is_file()
        if image != "mercado/operator":
            assert docker["buildArgs"] == {"SERVICE": image.split("/")[1]}


def test_skaffold_deploys_the_operator_first_and_sets_every_image(helm):
    releases = _skaffold()["deploy"]["helm"]["releases"]
    assert [Path(r["chartPath"]).name for r in releases] == [
        OPERATOR.name,
        INFRA.name,
        PLATFORM.name,
    ]
    platform = releases[2]
    sets = []
    for key, template in platform["setValueTemplates"].items():
        sets += ["--set", f"{key}=example/{key.split('.')[1]}"]
        image = re.fullmatch(r"services\.(\w+)\.image\.(repository|tag)", key)
        assert image and image[1] in template.lower(), key
    docs = helm.template(PLATFORM, *sets)
    container = named(docs, "Deployment", "mercado-orders")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["image"] == "example/orders:example/orders"
    http, grpc = _skaffold()["portForward"][:2]
    gateway = named(docs, "Service", http["resourceName"])
    assert [http["port"], grpc["port"]] == [p["port"] for p in gateway["spec"]["ports"]]


def test_the_dev_profile_syncs_python_where_the_image_installed_it():
    profile = _skaffold()["profiles"][0]
    assert profile["name"] == "dev"
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    python = re.search(r"PYTHON_IMAGE=python:(\d+\.\d+)-slim", dockerfile)[1]
    patches = {p["path"]: p["value"] for p in profile["patches"]}
    assert patches["/deploy/helm/releases/2/valuesFiles"] == ["charts/mercado/values-dev.yaml"]
    for index, service in enumerate(SERVICES):
        rules = patches[f"/build/artifacts/{index}/sync"]["manual"]
        assert {r["strip"] for r in rules} == {f"services/{service}/src/", "services/platform/src/"}
        for rule in rules:
            assert rule["dest"] == f"/app/.venv/lib/python{python}/site-packages"
            assert (ROOT / rule["strip"]).is_dir()


def test_kind_maps_the_gateway_node_port_to_localhost(helm):
    kind = yaml.safe_load((ROOT / "kind-config.yaml").read_text())
    mapping = kind["nodes"][0]["extraPortMappings"][0]
    service = named(helm.template(PLATFORM), "Service", "mercado-gateway")["spec"]
    assert (service["type"], service["ports"][0]["nodePort"]) == (
        "NodePort",
        mapping["containerPort"],
    )
    assert (mapping["hostPort"], mapping["listenAddress"]) == (8080, "127.0.0.1")
    grpc = kind["nodes"][0]["extraPortMappings"][1]
    assert (grpc["containerPort"], grpc["hostPort"]) == (service["ports"][1]["nodePort"], 50051)


def test_the_makefile_has_every_target_the_kind_guide_runs():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    guide = (ROOT / "docs" / "running.md").read_text()
    section = guide.split("## On kind", 1)[1].split("\n## ", 1)[0]
    used = set(re.findall(r"^\s*make ([a-z-]+)", section, re.M))
    assert {"up", "down", "dev", "images", "kind-tools", "charts-lint"} <= used
    assert used <= targets, used - targets
    for script in re.findall(r"(hack/[\w./-]+\.sh)", section):
        assert (ROOT / script).is_file(), script
    for chart in re.findall(r"(charts/[\w./-]+)", section):
        assert (ROOT / chart.rstrip(".")).exists(), chart


def test_the_scripts_are_valid_bash():
    hack = ROOT / "hack"
    scripts = [
        *hack.glob("*.sh"),
        *(hack / "cluster").glob("*.sh"),
        hack / "skaffold-kind" / "kind",
    ]
    names = {str(script.relative_to(hack)) for script in scripts}
    assert {
        "kind-up.sh",
        "install-uv.sh",
        "tools.sh",
        "install-charts.sh",
        "cluster/up.sh",
    } <= names
    for script in scripts:
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, f"{script.relative_to(hack)}: {done.stderr}"
