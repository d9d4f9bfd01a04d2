"""Failed-login throttling, as pure rules: count failures in a window, lock at a limit."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures a key may have within `window` before it is locked for `lockout`."""

    max_failures: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class FailureCount:
    """The failures of one key (an account or a client address) in its current window."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def after_failure(
    count: FailureCount | None, now: datetime, policy: ThrottlePolicy
) -> FailureCount:
    """The count once one more failure happened at `now`; reaching the limit locks the key
    and starts a fresh window, so each lockout lets at most `max_failures` guesses through."""
    if count is None or count.window_started_at <= now - policy.window:
        count = FailureCount(0, now, count.locked_until if count else None)
    failures = count.failures + 1
    if failures >= policy.max_failures:
        return FailureCount(0, now, now + policy.lockout)
    return FailureCount(failures, count.window_started_at, count.locked_until)


def seconds_locked(locks: Iterable[datetime | None], now: datetime) -> int:
    """Whole seconds until the last of `locks` ends; 0 when none is in force."""
    remaining = max(((lock - now).total_seconds() for lock in locks if lock), default=0.0)
    return max(0, math.ceil(remaining))
