"""The operator, as a process with its chart's RBAC, making MessagingTopology resources real
in the test RabbitMQ: the messaging core's names and arguments, a user allowed only those."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pika
import pytest
import requests
from kubernetes.client.exceptions import ApiException
from pika.exceptions import ChannelClosedByBroker

from mercado_platform.messaging.topology import (
    dead_letter_queue,
    queue_arguments,
    retry_queue,
    retry_queue_arguments,
)
from mercado_platform.testing.kube import tool
from mercado_platform.testing.polling import eventually, holds
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until

from .conftest import broker_secret, unique


def topology_spec(broker, service: str, *queues: dict, **extra: object) -> dict:
    return {
        "service": service,
        "vhost": broker.vhost,
        "brokerSecretRef": {"name": broker.secret},
        "queues": list(queues),
        **extra,
    }


def queue(name: str, *bindings: tuple[str, str], **extra: object) -> dict:
    return {
        "name": name,
        "bindings": [{"exchange": e, "routingKey": k} for e, k in bindings],
        **extra,
    }


def refusal(
    amqp_url: str, act: Callable[[pika.adapters.blocking_connection.BlockingChannel], object]
) -> int:
    """The reply code the broker closes the channel with when `act` is refused (0: allowed)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        act(channel)
        return 0
    except ChannelClosedByBroker as exc:
        return exc.reply_code
    finally:
        connection.close()


def take(amqp_url: str, queue_name: str) -> bytes | None:
    """One message from `queue_name`, acknowledged, or None."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        method, _, body = connection.channel().basic_get(queue_name, auto_ack=True)
        return body if method else None
    finally:
        connection.close()


def test_topology_declares_the_core_names_and_a_user_allowed_only_those(
    resources, secrets, broker, operator
):
    service = unique("svc")
    consumed = f"{service}.orders"
    bindings = (("orders.events", "order.placed"), ("orders.events", "order.cancelled"))
    extra = {"retryDelayMs": 300, "deliveryLimit": 5, "arguments": {"x-max-length": 1000}}
    resources.create(
        "messagingtopologies",
        "bus",
        topology_spec(broker, service, queue(consumed, *bindings, **extra)),
    )
    body = resources.wait_ready("messagingtopologies", "bus")

    own = broker.api("GET", f"exchanges/{broker.quoted}/{service}.events").json()
    assert (own["type"], own["durable"]) == ("topic", True)
    assert broker.api("GET", f"exchanges/{broker.quoted}/orders.events").json()["type"] == "topic"
    main = broker.queue(consumed)
    assert main["durable"] and main["arguments"] == {
        **queue_arguments(),
        "x-delivery-limit": 5,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead_letter_queue(consumed),
        "x-max-length": 1000,
    }
    assert broker.queue(retry_queue(consumed))["arguments"] == retry_queue_arguments(consumed, 300)
    assert broker.queue(dead_letter_queue(consumed))["arguments"] == queue_arguments()
    assert broker.bindings(consumed) == set(bindings)

    credentials = secrets.read("bus-amqp")
    user, url = credentials["username"], credentials["AMQP_URL"]
    assert user == f"{resources.namespace}.{service}"
    assert body["status"]["queues"] == [consumed] and body["status"]["username"] == user
    assert secrets.raw("bus-amqp").metadata.owner_references[0].uid == body["metadata"]["uid"]
    assert credentials["password"] not in operator.log.read_text() + str(body)

    publish = lambda exchange, key, payload: lambda ch: ch.basic_publish(exchange, key, payload)  # noqa: E731
    assert refusal(broker.admin_url, publish("orders.events", "order.placed", b"from orders")) == 0
    assert refusal(url, publish(f"{service}.events", "stock.low", b"own exchange")) == 0
    assert refusal(url, publish("", retry_queue(consumed), b"retried")) == 0
    received = {eventually(lambda: take(url, consumed), timeout=20) for _ in range(2)}
    assert received == {b"from orders", b"retried"}, "consumed; the retry came back after its TTL"

    broker.api("PUT", f"queues/{broker.quoted}/other.q", json={"durable": True})
    assert refusal(url, publish("orders.events", "order.placed", b"forged")) == 403
    assert refusal(url, lambda ch: ch.basic_get("other.q")) == 403
    assert refusal(url, lambda ch: ch.queue_declare("mine", durable=True)) == 403
    assert refusal(url, lambda ch: ch.queue_delete(consumed)) == 403

    resources.delete("messagingtopologies", "bus")
    resources.wait_gone("messagingtopologies", "bus")
    assert broker.queue(consumed) is not None, "Retain keeps the queue"
    assert broker.permissions(user) is not None, "and the user"


def test_delete_policy_removes_queues_exchange_and_user(resources, secrets, broker):
    service = unique("svc")
    consumed = f"{service}.events-in"
    spec = topology_spec(broker, service, queue(consumed), deletionPolicy="Delete")
    resources.create("messagingtopologies", "gone", spec)
    resources.wait_ready("messagingtopologies", "gone")
    user = secrets.read("gone-amqp")["username"]
    resources.delete("messagingtopologies", "gone")
    resources.wait_gone("messagingtopologies", "gone")
    for name in (consumed, retry_queue(consumed), dead_letter_queue(consumed)):
        assert broker.queue(name) is None
    assert broker.api("GET", f"exchanges/{broker.quoted}/{service}.events").status_code == 404
    assert broker.api("GET", f"users/{user}").status_code == 404


def test_deleted_queue_secret_and_revoked_permissions_come_back(resources, secrets, broker):
    service = unique("svc")
    consumed = f"{service}.work"
    spec = topology_spec(broker, service, queue(consumed, ("jobs.events", "job.*")))
    resources.create("messagingtopologies", "drift", spec)
    resources.wait_ready("messagingtopologies", "drift")
    user = secrets.read("drift-amqp")["username"]
    granted = broker.permissions(user)

    broker.api("DELETE", f"queues/{broker.quoted}/{consumed}")
    broker.api("DELETE", f"permissions/{broker.quoted}/{user}")
    secrets.delete("drift-amqp")

    eventually(lambda: broker.queue(consumed), timeout=30, what="queue back")
    eventually(lambda: broker.bindings(consumed) == {("jobs.events", "job.*")}, timeout=30)
    eventually(lambda: broker.permissions(user) == granted, timeout=30, what="permissions back")
    credentials = eventually(lambda: secrets.read("drift-amqp"), timeout=30, what="Secret back")
    eventually(
        lambda: refusal(credentials["AMQP_URL"], lambda ch: ch.basic_get(consumed)) == 0,
        timeout=30,
        what="the new password accepted",
    )
    repaired = " ".join(m for _, r, m in resources.events("drift") if r == "DriftRepaired")
    assert f"declared queue {consumed}" in repaired
    assert "Secret drift-amqp" in repaired
    assert f"allowed {user}" in repaired


def test_update_adds_and_removes_bindings_and_queues(resources, broker):
    service = unique("svc")
    first, second = f"{service}.a", f"{service}.b"
    spec = topology_spec(broker, service, queue(first, ("x.events", "one")))
    resources.create("messagingtopologies", "moving", spec)
    resources.wait_ready("messagingtopologies", "moving")
    user = resources.get("messagingtopologies", "moving")["status"]["username"]

    resources.patch_spec(
        "messagingtopologies",
        "moving",
        {"queues": [queue(first, ("x.events", "two")), queue(second, ("y.events", "three"))]},
    )
    body = resources.wait_ready("messagingtopologies", "moving")
    assert body["status"]["observedGeneration"] == 2
    assert body["status"]["queues"] == [first, second]
    assert broker.bindings(first) == {("x.events", "two")}
    assert broker.bindings(second) == {("y.events", "three")}
    assert broker.queue(dead_letter_queue(second)) is not None
    assert re.fullmatch(broker.permissions(user)["read"], second)
    reasons = {r for _, r, _ in resources.events("moving")}
    assert {"BindingAdded", "BindingRemoved", "QueueDeclared"} <= reasons

    resources.patch_spec(
        "messagingtopologies", "moving", {"queues": [queue(first, ("x.events", "two"))]}
    )
    resources.wait_ready("messagingtopologies", "moving")
    assert broker.queue(second) is not None, "Retain keeps a queue taken out of the spec"
    assert broker.bindings(second) == set(), "but it receives nothing more"
    assert not re.fullmatch(broker.permissions(user)["read"], second)


def test_conflicting_queue_is_a_permanent_error_until_the_conflict_goes(
    resources, broker, operator
):
    service = unique("svc")
    consumed = f"{service}.clash"
    broker.api("PUT", f"queues/{broker.quoted}/{consumed}", json={"durable": True})
    resources.create(
        "messagingtopologies", "clash", topology_spec(broker, service, queue(consumed))
    )
    condition = resources.wait_reason("messagingtopologies", "clash", "TopologyConflict")
    assert "inequivalent arg 'x-queue-type'" in condition["message"]
    failed = {"kind": "MessagingTopology", "trigger": "change", "outcome": "failed"}
    attempts = operator.metric("mercado_operator_reconciles_total", **failed)
    assert holds(
        lambda: operator.metric("mercado_operator_reconciles_total", **failed) == attempts,
        seconds=5,
    ), "a temporary error would have been retried every 2 s"

    broker.api("DELETE", f"queues/{broker.quoted}/{consumed}")
    resources.wait_ready("messagingtopologies", "clash", timeout=30)
    assert broker.queue(consumed)["arguments"] == queue_arguments()


@dataclass
class Proxy:
    """A toxiproxy in front of the broker's management API, to take it away and back."""

    api: str
    port: int

    def enable(self, enabled: bool) -> None:
        response = requests.post(
            f"{self.api}/proxies/management", json={"enabled": enabled}, timeout=5
        )
        response.raise_for_status()


@pytest.fixture
def management_proxy(rabbitmq_server, tmp_path) -> Iterator[Proxy]:
    api_port, port = free_port(), free_port()
    log = tmp_path / "toxiproxy.log"
    process = spawn(
        [tool("toxiproxy-server"), "-host", "127.0.0.1", "-port", str(api_port)], log=log
    )
    api = f"http://127.0.0.1:{api_port}"
    wait_until(
        lambda: requests.get(f"{api}/version", timeout=1).ok,
        timeout=30,
        what="toxiproxy",
        process=process,
        log=log,
    )
    upstream = f"127.0.0.1:{rabbitmq_server.management_port}"
    requests.post(
        f"{api}/proxies",
        json={"name": "management", "listen": f"127.0.0.1:{port}", "upstream": upstream},
        timeout=5,
    ).raise_for_status()
    yield Proxy(api, port)
    stop_process(process)


def test_broker_down_while_reconciling_is_reported_then_repaired(
    resources, secrets, broker, management_proxy
):
    secrets.create(
        "proxied-admin",
        broker_secret(f"http://127.0.0.1:{management_proxy.port}", broker.server),
    )
    service = unique("svc")
    consumed = f"{service}.q"
    spec = topology_spec(broker, service, queue(consumed, ("a.events", "one")))
    spec["brokerSecretRef"] = {"name": "proxied-admin"}
    resources.create("messagingtopologies", "flaky", spec)
    resources.wait_ready("messagingtopologies", "flaky")

    management_proxy.enable(False)
    resources.patch_spec(
        "messagingtopologies",
        "flaky",
        {"queues": [queue(consumed, ("a.events", "one"), ("a.events", "two"))]},
    )
    condition = resources.wait_reason("messagingtopologies", "flaky", "BrokerUnavailable")
    assert condition["status"] == "False"
    assert f"127.0.0.1:{management_proxy.port} did not answer" in condition["message"]

    management_proxy.enable(True)
    resources.wait_ready("messagingtopologies", "flaky", timeout=30)
    assert broker.bindings(consumed) == {("a.events", "one"), ("a.events", "two")}


@pytest.mark.parametrize(
    ("change", "refusal_text"),
    [
        ({"service": "Bad_Name"}, "spec.service"),
        ({"queues": [{"name": "x.dlq"}]}, "the queues the operator adds"),
        (
            {"queues": [{"name": "x", "type": "classic", "deliveryLimit": 3}]},
            "needs a quorum queue",
        ),
        (
            {"queues": [{"name": "x", "arguments": {"x-queue-type": "classic"}}]},
            "x- arguments other than",
        ),
        (
            {"queues": [{"name": "x", "bindings": [{"exchange": "amq.topic", "routingKey": "k"}]}]},
            "the broker's own",
        ),
        ({"queues": [{"name": "x"}, {"name": "x"}]}, "Duplicate value"),
        ({"publishes": False, "queues": []}, "nothing to declare"),
        ({"queues": [{"name": "x", "retryDelayMs": 0}]}, "retryDelayMs"),
    ],
)
def test_invalid_topology_specs_are_refused_by_the_api_server(
    resources, broker, change, refusal_text
):
    with pytest.raises(ApiException) as refused:
        resources.create("messagingtopologies", "bad", {**topology_spec(broker, "svc"), **change})
    assert refused.value.status == 422
    assert refusal_text in refused.value.body


def test_service_and_vhost_cannot_change(resources, broker):
    resources.create("messagingtopologies", "fixed", topology_spec(broker, "svc", queue("svc.q")))
    with pytest.raises(ApiException) as refused:
        resources.patch_spec("messagingtopologies", "fixed", {"service": "other", "vhost": "/"})
    assert "service cannot be changed" in refused.value.body
    assert "vhost cannot be changed" in refused.value.body
