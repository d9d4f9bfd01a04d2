"""The `Ready` condition in the shape of Kubernetes' metav1.Condition."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

READY = "Ready"


def with_ready(
    conditions: Sequence[dict[str, Any]],
    *,
    ready: bool,
    reason: str,
    message: str,
    generation: int,
) -> list[dict[str, Any]]:
    """`conditions` with Ready replaced; its transition time moves only when its status does."""
    status = "True" if ready else "False"
    previous = next((c for c in conditions if c.get("type") == READY), None)
    changed = previous is None or previous.get("status") != status
    condition = {
        "type": READY,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": _now() if changed else previous["lastTransitionTime"],
    }
    return [*(c for c in conditions if c.get("type") != READY), condition]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
