"""The build hook of mercado-proto: grpcio-tools compiles every .proto under mercado/ into
Python messages, type stubs and gRPC stubs, which go into the wheel (editable or not)."""

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def contracts(root: Path) -> list[Path]:
    """Every .proto file of the contracts, relative to `root`."""
    return sorted(path.relative_to(root) for path in (root / "mercado").rglob("*.proto"))


def generate(root: Path, out: Path) -> list[Path]:
    """Compile the contracts under `root` into `out`; the files written, relative to it."""
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"  # google/protobuf/*.proto
    sources = [str(path) for path in contracts(root)]
    arguments = [
        "grpc_tools.protoc",
        f"--proto_path={root}",
        f"--proto_path={include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *sources,
    ]
    if protoc.main(arguments) != 0:
        raise RuntimeError(f"grpc_tools.protoc failed on {', '.join(sources)}")
    return sorted(path.relative_to(out) for path in out.rglob("*") if path.is_file())


class CustomBuildHook(BuildHookInterface):
    """Generate the stubs into a temporary directory and include them in the wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile, then map each generated file to its place in the wheel."""
        self._out = Path(tempfile.mkdtemp(prefix="mercado-proto-"))
        for path in generate(Path(self.root), self._out):
            build_data["force_include"][str(self._out / path)] = str(path)
            build_data["force_include_editable"][str(self._out / path)] = str(path)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary directory once the wheel is written."""
        shutil.rmtree(self._out, ignore_errors=True)
