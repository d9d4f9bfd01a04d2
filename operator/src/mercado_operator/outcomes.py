"""What a reconciliation reports back: the changes it made and the status to record."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    """One step that changed something, posted as a Kubernetes Event."""

    reason: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """The changes made, the Ready message, and the status fields (never a password)."""

    message: str
    changes: list[Change] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
