"""A notification's delivery rules, on its own: retries, backoff, giving up, skipping."""

from datetime import UTC, datetime, timedelta

from mercado_notifications.domain.model import (
    Audience,
    Customer,
    Notification,
    RetryPolicy,
    Status,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy(attempts=3, initial_seconds=2, max_seconds=10, recipient_lookups=2)


def note() -> Notification:
    return Notification(
        id="n", event_id="e", event_type="order.paid", audience=Audience.CUSTOMER, data={},
        created_at=NOW, customer_id="c", next_attempt_at=NOW,
    )  # fmt: skip


def test_backoff_grows_exponentially_with_jitter_up_to_the_maximum():
    for tries, low in ((1, 2), (2, 4), (3, 8)):
        delay = POLICY.delay(tries).total_seconds()
        assert low <= delay <= min(low + 2, 10)
    assert POLICY.delay(30) == timedelta(seconds=10)


def test_a_temporary_failure_waits_then_the_last_try_fails_for_good():
    n = note()
    n.delivery_failed("451 busy", permanent=False, policy=POLICY, now=NOW)
    assert (n.status, n.attempts, n.last_error) == (Status.PENDING, 1, "451 busy")
    assert NOW + timedelta(seconds=2) <= n.next_attempt_at <= NOW + timedelta(seconds=4)
    n.delivery_failed("451 busy", permanent=False, policy=POLICY, now=NOW)
    n.delivery_failed("421 closing", permanent=False, policy=POLICY, now=NOW)
    assert (n.status, n.attempts, n.last_error) == (Status.FAILED, 3, "421 closing")
    assert n.next_attempt_at is None


def test_a_permanent_failure_is_final_at_once():
    n = note()
    n.delivery_failed("550 no such user", permanent=True, policy=POLICY, now=NOW)
    assert (n.status, n.attempts) == (Status.FAILED, 1)


def test_sent_after_a_retry_keeps_the_last_error_for_the_record():
    n = note()
    n.delivery_failed("451 busy", permanent=False, policy=POLICY, now=NOW)
    n.sent("Subject", NOW)
    assert (n.status, n.attempts, n.sent_at, n.subject) == (Status.SENT, 2, NOW, "Subject")
    assert n.last_error == "451 busy" and n.next_attempt_at is None


def test_an_unknown_customer_is_looked_up_a_bounded_number_of_times_then_skipped():
    n = note()
    n.recipient_unknown(POLICY, NOW)
    assert (n.status, n.recipient_lookups, n.attempts) == (Status.PENDING, 1, 0)
    n.recipient_unknown(POLICY, NOW)
    assert n.status is Status.SKIPPED and "after 2 lookups" in n.last_error


def test_errors_are_cut_to_a_readable_length():
    n = note()
    n.delivery_failed("x" * 5000, permanent=True, policy=POLICY, now=NOW)
    assert len(n.last_error) == 1000


def test_a_deleted_customer_cannot_be_reached():
    assert Customer("c", "a@b.c", "A", "active").reachable
    assert Customer("c", "a@b.c", "A", "disabled").reachable
    assert not Customer("c", None, None, "deleted").reachable
