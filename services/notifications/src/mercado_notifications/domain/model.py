"""A notification: one e-mail owed to one recipient for one event, and how delivery went."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tenacity import RetryCallState, wait_exponential_jitter

MAX_ERROR_LENGTH = 1000


class Status(StrEnum):
    """Where a notification stands; only `pending` ones are tried again."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Audience(StrEnum):
    """Who an e-mail is for: the event's customer, or one of the staff."""

    CUSTOMER = "customer"
    STAFF = "staff"


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries delivery gets, and the backoff between them."""

    attempts: int
    initial_seconds: float
    max_seconds: float
    recipient_lookups: int

    def delay(self, tries: int) -> timedelta:
        """The wait after the `tries`-th failed try: exponential with jitter, as tenacity
        computes it, but kept in the row so no process sleeps on it."""
        state = RetryCallState(None, None, (), {})
        state.attempt_number = tries
        wait = wait_exponential_jitter(
            multiplier=self.initial_seconds, max=self.max_seconds, jitter=self.initial_seconds
        )
        return timedelta(seconds=wait(state))


@dataclass(frozen=True)
class Customer:
    """A customer as the users service last described them."""

    customer_id: str
    email: str | None
    full_name: str | None
    state: str

    @property
    def reachable(self) -> bool:
        """False once the account is deleted (its address is erased)."""
        return self.state != "deleted" and bool(self.email)


@dataclass
class Notification:
    """One e-mail for one recipient about one event."""

    id: str
    event_id: str
    event_type: str
    audience: Audience
    data: dict[str, Any]
    created_at: datetime
    customer_id: str | None = None
    order_id: str | None = None
    recipient: str | None = None
    subject: str | None = None
    status: Status = Status.PENDING
    attempts: int = 0
    recipient_lookups: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    updated_at: datetime | None = field(default=None)

    def sent(self, subject: str, now: datetime) -> None:
        """The mail server accepted the message."""
        self.attempts += 1
        self.subject = subject
        self._settle(Status.SENT, None, now)
        self.sent_at = now

    def delivery_failed(
        self, error: str, *, permanent: bool, policy: RetryPolicy, now: datetime
    ) -> None:
        """A try failed: try again later unless it was permanent or the tries are spent."""
        self.attempts += 1
        if permanent or self.attempts >= policy.attempts:
            self._settle(Status.FAILED, error, now)
        else:
            self._later(error, policy.delay(self.attempts), now)

    def recipient_unknown(self, policy: RetryPolicy, now: datetime) -> None:
        """The customer is not in the read model yet: look again later, a bounded number of
        times (their customer.registered may still be on its way)."""
        self.recipient_lookups += 1
        reason = f"customer {self.customer_id} is not known (yet)"
        if self.recipient_lookups >= policy.recipient_lookups:
            self._settle(Status.SKIPPED, f"{reason} after {self.recipient_lookups} lookups", now)
        else:
            self._later(reason, policy.delay(self.recipient_lookups), now)

    def skip(self, reason: str, now: datetime) -> None:
        """Nothing will be sent, for `reason`."""
        self._settle(Status.SKIPPED, reason, now)

    def _later(self, error: str, wait: timedelta, now: datetime) -> None:
        self.last_error = error[:MAX_ERROR_LENGTH]
        self.next_attempt_at = now + wait
        self.updated_at = now

    def _settle(self, status: Status, error: str | None, now: datetime) -> None:
        self.status = status
        self.last_error = error[:MAX_ERROR_LENGTH] if error else self.last_error
        self.next_attempt_at = None
        self.updated_at = now
