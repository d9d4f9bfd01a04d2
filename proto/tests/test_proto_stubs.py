"""The stubs the services import are exactly what the pinned grpcio-tools makes of the .proto
files: a contract changed without rebuilding (make sync), a stub edited by hand, or a
generator other than the build's, fails here."""

import importlib.metadata
import importlib.util
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _build_hook():
    """proto/hatch_build.py, the very code the build runs."""
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = _build_hook()
contracts, generate = HOOK.contracts, HOOK.generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[Path, bytes]:
    out = tmp_path_factory.mktemp("stubs")
    return {path: (out / path).read_bytes() for path in generate(ROOT, out)}


def installed(path: Path) -> Path:
    """Where the module generated as `path` (mercado/orders/v1/orders_pb2.py) is imported from."""
    module = ".".join(path.with_suffix("").parts)
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not installed: run make sync"
    return Path(spec.origin).with_suffix(path.suffix)


def test_every_contract_has_messages_type_stubs_and_grpc_stubs(generated):
    expected = {
        contract.with_name(contract.stem + suffix)
        for contract in contracts(ROOT)
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")
    }
    assert set(generated) == expected
    assert {str(c) for c in contracts(ROOT)} == {
        "mercado/inventory/v1/inventory.proto",
        "mercado/orders/v1/orders.proto",
    }


def test_the_installed_stubs_are_what_the_contracts_generate(generated):
    drifted = [str(p) for p, text in generated.items() if installed(p).read_bytes() != text]
    assert drifted == [], "stale or hand-edited stubs; `make sync` regenerates them"


def test_the_build_pins_the_generator_the_workspace_runs():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert f"grpcio-tools=={importlib.metadata.version('grpcio-tools')}" in build


def test_nothing_generated_is_checked_in():
    assert [p for p in ROOT.rglob("*_pb2*.py*") if ".venv" not in p.parts] == []
