"""Why a reconciliation did not finish: a reason for the Ready condition, a message for people.

A temporary failure (a server down, a Secret not there yet) is retried after a delay;
a permanent one (a spec that cannot work) waits for the spec or the servers to change.
"""


class ReconcileFailure(Exception):
    """A failure with a CamelCase `reason` and a message saying what to do about it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class TemporaryFailure(ReconcileFailure):
    """Retrying later may succeed without anyone changing the spec."""


class PermanentFailure(ReconcileFailure):
    """The spec cannot work as written, or conflicts with what exists."""
