"""The Dockerfiles, checked as far as a machine without Docker can: parsed, then held to the
rules (multi-stage, slim base, non-root user, no build tools in the final image, an
entrypoint that is a real console script, a .dockerignore that keeps caches out)."""

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("users", "inventory", "orders", "payments", "notifications")
DOCKERFILES = {
    "services": ROOT / "services" / "Dockerfile",
    "operator": ROOT / "operator" / "Dockerfile",
}
BUILD_TOOLS = ("gcc", "build-essential", "make ", "/uv", "pip install", "apt-get install")


def _stages(path: Path) -> list[list[tuple[str, str]]]:
    """Instructions (name, arguments) per stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, args = line.partition(" ")
        if name.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((name.upper(), args.strip()))
    return stages


def _args(path: Path) -> dict[str, str]:
    """Default values of the global ARGs (before the first FROM)."""
    found = {}
    for line in path.read_text().split("FROM", 1)[0].splitlines():
        if match := re.match(r"ARG (\w+)=(\S+)", line):
            found[match[1]] = match[2]
    return found


@pytest.mark.parametrize("name", DOCKERFILES)
def test_multi_stage_slim_non_root_and_nothing_to_build_with(name):
    path = DOCKERFILES[name]
    stages = _stages(path)
    assert len(stages) >= 3, "uv, build and final stages"
    assert "slim" in _args(path)["PYTHON_IMAGE"]
    assert re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", _args(path)["UV_IMAGE"]), (
        "pinned uv"
    )
    final = stages[-1]
    assert final[0] == ("FROM", "${PYTHON_IMAGE}")
    users = [args for instruction, args in final if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "runs as a non-root user"
    text = " ".join(args for _, args in final)
    for tool in BUILD_TOOLS:
        assert tool not in text, f"{tool!r} in the final stage"
    copies = [args for instruction, args in final if instruction == "COPY"]
    assert copies == ["--from=build /app/.venv /app/.venv"], "only the virtual environment"
    build = " ".join(args for _, args in stages[1])
    assert "uv sync --locked --no-dev --no-editable" in build


def _scripts(package_dir: Path) -> dict[str, str]:
    return tomllib.loads((package_dir / "pyproject.toml").read_text())["project"]["scripts"]


def test_the_entrypoints_are_console_scripts_of_the_packages():
    final = dict(_stages(DOCKERFILES["services"])[-1])
    assert final["ENTRYPOINT"] == '["mercado-service"]' and final["CMD"] == '["serve"]'
    build = " ".join(args for _, args in _stages(DOCKERFILES["services"])[1])
    assert 'ln -s "mercado-${SERVICE}" /app/.venv/bin/mercado-service' in build
    for service in SERVICES:
        assert f"mercado-{service}" in _scripts(ROOT / "services" / service)
    operator = dict(_stages(DOCKERFILES["operator"])[-1])
    assert operator["ENTRYPOINT"] == '["mercado-operator"]'
    assert "mercado-operator" in _scripts(ROOT / "operator")


def test_the_chart_runs_the_commands_the_images_install():
    values = yaml.safe_load((ROOT / "charts" / "mercado" / "values.yaml").read_text())
    assert set(values["services"]) == set(SERVICES)
    assert values["serviceDefaults"]["podSecurityContext"]["runAsUser"] == 10001
    assert "USER 10001:10001" in DOCKERFILES["services"].read_text()


def test_dockerignore_keeps_environments_caches_and_tests_out():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        """Docker's rule: a path is out when it or a directory above it matches."""
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        return any(
            fnmatch.fnmatch(prefix, p.lstrip("/"))
            or (p.startswith("**/") and fnmatch.fnmatch(prefix, p[3:]))
            for p in patterns
            for prefix in prefixes
        )

    for path in (
        ".venv/bin/python",
        "services/orders/.venv/x",
        "services/orders/src/mercado_orders/__pycache__/api.cpython-311.pyc",
        ".git/HEAD",
        ".pytest_cache/v",
        ".ruff_cache/x",
        "services/orders/tests/test_orders_api.py",
        "bin/kind",
    ):
        assert ignored(path), path
    for path in ("uv.lock", "pyproject.toml", "services/orders/src/mercado_orders/bootstrap.py"):
        assert not ignored(path), path
