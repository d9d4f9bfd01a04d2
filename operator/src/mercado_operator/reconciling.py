"""One reconciliation of one resource: run alone, timed, its outcome recorded in the Ready
condition, Events and metrics, and kopf told whether and when to try again."""

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import kopf

from mercado_operator.adapters.secrets import Secrets
from mercado_operator.conditions import with_ready
from mercado_operator.failures import PermanentFailure, ReconcileFailure, TemporaryFailure
from mercado_operator.outcomes import Outcome

Provision = Callable[[Mapping[str, Any], Secrets], Outcome]


def run(
    provision: Provision,
    body: kopf.Body,
    patch: kopf.Patch,
    memo: kopf.Memo,
    logger: kopf.Logger,
    *,
    trigger: str,
) -> None:
    """Run `provision` on `body` (never twice at once for one object) and record the outcome."""
    kind, started, outcome = body["kind"], time.perf_counter(), "failed"
    try:
        with memo.setdefault("lock", threading.Lock()):
            result = provision(body, memo.secrets)
        outcome = "succeeded"
    except TemporaryFailure as exc:
        _failed(body, patch, memo, exc)
        raise kopf.TemporaryError(exc.message, delay=memo.settings.retry_delay_seconds) from exc
    except PermanentFailure as exc:
        _failed(body, patch, memo, exc)
        raise kopf.PermanentError(exc.message) from exc
    except Exception as exc:  # unforeseen: say so in the condition, let kopf back off and retry
        unforeseen = f"unexpected {type(exc).__name__}; the operator's log has the details"
        _failed(body, patch, memo, ReconcileFailure("ReconcileError", unforeseen))
        raise
    finally:
        memo.metrics.reconciled(kind, trigger, outcome, time.perf_counter() - started)
    for change in result.changes:
        reason = "DriftRepaired" if trigger == "drift" else change.reason
        kopf.event(body, type="Normal", reason=reason, message=change.message)
        logger.info("%s: %s", reason, change.message)
    if trigger != "delete":
        _record(body, patch, ready=True, reason="Provisioned", message=result.message)
        patch.status.update(result.status)


def _failed(body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, exc: ReconcileFailure) -> None:
    memo.metrics.failed(body["kind"], exc.reason)
    _record(body, patch, ready=False, reason=exc.reason, message=exc.message)


def _record(body: kopf.Body, patch: kopf.Patch, *, ready: bool, reason: str, message: str) -> None:
    generation = body["metadata"].get("generation", 0)
    patch.status["observedGeneration"] = generation
    patch.status["conditions"] = with_ready(
        body.get("status", {}).get("conditions", []),
        ready=ready,
        reason=reason,
        message=message,
        generation=generation,
    )
