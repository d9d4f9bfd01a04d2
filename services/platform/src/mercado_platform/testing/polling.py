"""Asynchronous assertions for tests: poll with a deadline, never sleep and hope."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    check: Callable[[], T], *, timeout: float = 60, what: str = "condition", interval: float = 0.1
) -> T:
    """Poll `check` every `interval` s until it returns a truthy value and return it; fail
    after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def holds(check: Callable[[], object], *, seconds: float) -> bool:
    """True if `check` stays truthy for `seconds`, polled all along."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not check():
            return False
        time.sleep(0.1)
    return True
