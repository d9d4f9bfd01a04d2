"""Event contracts: a JSON Schema per event type and version, owned by its producer;
consumers declare the part they read, and `unmet_reads` says where a producer broke it."""

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from mercado_platform.messaging.events import Event
from mercado_platform.messaging.schema_checks import compile_check

CATALOG = Path(__file__).resolve().parent.parent / "contracts" / "events"
STRICT_VARIABLE = "MERCADO_STRICT_CONTRACTS"


class ContractError(Exception):
    """An event does not match its contract, or has none where one is required."""


@dataclass(frozen=True)
class Contract:
    """The schema of one event type's `data` at one version, and who produces it."""

    type: str
    version: int
    producer: str
    description: str
    schema: dict[str, Any]


class Contracts:
    """Every contract found in some folders of `<type>.v<N>.json` files."""

    def __init__(self, *folders: Path) -> None:
        self.by_key: dict[tuple[str, int], Contract] = {}
        for folder in folders:
            for path in sorted(folder.glob("*.v*.json")):
                contract = _load(path)
                self.by_key[(contract.type, contract.version)] = contract
        self._validators = {
            key: Draft202012Validator(contract.schema) for key, contract in self.by_key.items()
        }
        self._quick = {key: compile_check(contract.schema) for key, contract in self.by_key.items()}

    def __iter__(self) -> Iterator[Contract]:
        return iter(self.by_key.values())

    def producer_of(self, event_type: str) -> str:
        """The service that publishes `event_type` (as its newest contract says)."""
        versions = [c for (kind, _), c in self.by_key.items() if kind == event_type]
        if not versions:
            raise ContractError(f"no contract for {event_type}, so no producer is known")
        return max(versions, key=lambda contract: contract.version).producer

    def check(self, event: Event, *, strict: bool | None = None) -> None:
        """Raise ContractError if `event.data` breaks its schema (or, when strict, has none)."""
        validator = self._validators.get((event.type, event.version))
        if validator is None:
            if strict if strict is not None else bool(os.environ.get(STRICT_VARIABLE)):
                raise ContractError(f"no contract for {event.type} v{event.version}")
            return
        quick = self._quick[(event.type, event.version)]
        if quick is not None and quick(event.data):
            return
        errors = sorted(validator.iter_errors(event.data), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(part) for part in errors[0].path) or "data"
            raise ContractError(
                f"{event.type} v{event.version} breaks its contract at {where}: {errors[0].message}"
            )


@cache
def platform_contracts() -> Contracts:
    """The contracts shipped with the platform library."""
    return Contracts(CATALOG)


def unmet_reads(
    producer: Mapping[str, Any], reads: Mapping[str, Any], path: str = "data"
) -> list[str]:
    """Where the producer's schema no longer gives what a consumer declared it reads."""
    problems = []
    wanted, given = _types(reads), _types(producer)
    if wanted and given and not given <= wanted:
        problems.append(f"{path} is {'/'.join(sorted(given))}, read as {'/'.join(sorted(wanted))}")
    sent = producer.get("properties", {})
    required = set(producer.get("required", []))
    for name in reads.get("required", []):
        if name not in required:
            problems.append(f"{path}.{name} is read as required but the producer may omit it")
    for name, read in reads.get("properties", {}).items():
        if name not in sent:
            problems.append(f"{path}.{name} is read but no longer sent")
        else:
            problems += unmet_reads(sent[name], read, f"{path}.{name}")
    if "items" in reads and "items" in producer:
        problems += unmet_reads(producer["items"], reads["items"], f"{path}[]")
    return problems


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    return set(declared) if isinstance(declared, list) else ({declared} if declared else set())


def _load(path: Path) -> Contract:
    document = json.loads(path.read_text())
    event_type, _, version = path.name.removesuffix(".json").rpartition(".v")
    return Contract(
        type=event_type,
        version=int(version),
        producer=document["producer"],
        description=document.get("description", ""),
        schema=document["schema"],
    )
