"""Consumer-driven contract check across the platform: fails when a producer's event no
longer gives what a consumer declared it reads, or the AsyncAPI document is stale."""

from mercado_platform.messaging.contracts import platform_contracts, unmet_reads

from .contracts import DOCUMENT, SERVICES, render


def broken_reads() -> list[str]:
    """Every place where the newest contract of an event misses what a consumer reads."""
    problems = []
    for spec in SERVICES:
        reads = [(kind, read) for queue in spec.queues for kind, read in queue.reads.items()]
        for event_type, read in reads:
            producing = [c for c in platform_contracts() if c.type == event_type]
            if not producing:
                problems.append(f"{spec.name} reads {event_type}, which no contract describes")
                continue
            newest = max(producing, key=lambda c: c.version)
            problems += [
                f"{spec.name} <- {newest.producer}: {p}" for p in unmet_reads(newest.schema, read)
            ]
    return problems


def test_producers_give_what_consumers_read():
    assert broken_reads() == []


def test_every_read_event_type_has_a_contract():
    described = {contract.type for contract in platform_contracts()}
    read = {t for spec in SERVICES for queue in spec.queues for t in queue.reads}
    assert read <= described, f"read without a contract: {sorted(read - described)}"


def test_asyncapi_document_is_up_to_date():
    assert DOCUMENT.exists() and DOCUMENT.read_text() == render(), "run `make contracts` and commit"


def test_each_queue_is_handled_for_exactly_the_events_it_reads():
    unreachable = {"database_url": "postgresql://nobody@127.0.0.1:9/x", "amqp_url": "amqp://x/"}
    for spec in SERVICES:
        service = spec.start(spec.settings_class(**unreachable))
        try:
            handlers = service.handlers()  # refuses a queue whose handlers are not its reads
        finally:
            service.close()
        assert set(handlers) == {queue.name for queue in spec.queues}, spec.name
