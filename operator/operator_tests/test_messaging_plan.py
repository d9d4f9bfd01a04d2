"""The broker objects and permissions a MessagingTopology spec stands for (pure, no server)."""

import re

from mercado_operator.messaging import plan, username
from mercado_platform.messaging.topology import (
    dead_letter_queue,
    queue_arguments,
    retry_queue,
    retry_queue_arguments,
)

SPEC = {
    "service": "orders",
    "queues": [
        {
            "name": "orders.payments",
            "bindings": [
                {"exchange": "payments.events", "routingKey": "payment.succeeded"},
                {"exchange": "payments.events", "routingKey": "payment.failed"},
            ],
        },
        {
            "name": "orders.stock",
            "type": "classic",
            "retryDelayMs": 500,
            "arguments": {"x-max-length": 100},
            "bindings": [{"exchange": "inventory.events", "routingKey": "stock.*"}],
        },
    ],
}


def test_each_consumed_queue_gets_the_cores_retry_and_dead_letter_queues():
    queues = plan(SPEC).queues
    assert [q.name for q in queues] == [
        dead_letter_queue("orders.payments"),
        retry_queue("orders.payments"),
        "orders.payments",
        dead_letter_queue("orders.stock"),
        retry_queue("orders.stock"),
        "orders.stock",
    ]
    by_name = {q.name: q for q in queues}
    assert by_name["orders.payments"].arguments == queue_arguments()
    assert by_name["orders.payments.retry"].arguments == retry_queue_arguments(
        "orders.payments", 2000
    )
    assert by_name["orders.payments.dlq"].arguments == queue_arguments()
    assert by_name["orders.stock"].arguments == {"x-queue-type": "classic", "x-max-length": 100}
    assert by_name["orders.stock.retry"].arguments == retry_queue_arguments("orders.stock", 500)
    assert by_name["orders.payments"].bindings == {
        ("payments.events", "payment.succeeded"),
        ("payments.events", "payment.failed"),
    }
    assert by_name["orders.payments.retry"].bindings == frozenset()


def test_a_delivery_limit_dead_letters_through_the_broker_to_the_dlq():
    spec = {"service": "s", "queues": [{"name": "s.q", "deliveryLimit": 3}]}
    assert plan(spec).queues[-1].arguments == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 3,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "s.q.dlq",
    }


def test_exchanges_are_the_services_own_and_those_it_binds_to():
    topology = plan(SPEC)
    assert topology.exchange_type == "topic"
    assert topology.exchanges == ("inventory.events", "orders.events", "payments.events")
    assert plan({**SPEC, "publishes": False}).exchanges == ("inventory.events", "payments.events")


def test_the_user_may_write_its_exchange_and_read_its_queues_and_nothing_else():
    permissions = plan(SPEC).permissions
    assert permissions["configure"] == "^$"

    def allowed(kind: str, name: str) -> bool:
        return re.fullmatch(permissions[kind], name) is not None

    assert allowed("write", "orders.events") and allowed("write", "amq.default")
    for name in ("payments.events", "ordersXevents", "orders.events.x", ""):
        assert not allowed("write", name), name
    for name in ("orders.payments", "orders.payments.dlq", "orders.stock", "orders.stock.dlq"):
        assert allowed("read", name), name
    for name in ("orders.payments.retry", "orders.paymentsX", "other.q", "orders.stock.dlq.x"):
        assert not allowed("read", name), name


def test_a_publisher_that_consumes_nothing_may_only_publish():
    permissions = plan({"service": "users", "queues": []}).permissions
    assert permissions == {"configure": "^$", "write": r"^(users\.events)$", "read": "^$"}


def test_the_user_is_named_after_namespace_and_service_unless_the_spec_names_it():
    assert username({"service": "orders"}, "shop") == "shop.orders"
    assert username({"service": "orders", "username": "orders-svc"}, "shop") == "orders-svc"
