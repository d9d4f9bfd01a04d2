"""inventory's gRPC API on a real server and database: the same answers, validation and
errors as REST, health following the database, reflection, and the `grpc` role's process."""

import signal
import time
import uuid
from decimal import Decimal

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mercado.inventory.v1 import inventory_pb2 as pb
from mercado.inventory.v1.inventory_pb2_grpc import InventoryStub
from mercado_inventory.bootstrap import SPEC
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.processes import free_port
from mercado_platform.testing.rpc import refusal

SERVICE = "mercado.inventory.v1.Inventory"


@pytest.fixture
def channel(make_grpc_server, database, settings):
    server = make_grpc_server(SPEC, settings)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield channel


@pytest.fixture
def stub(channel):
    return InventoryStub(channel)


def lines(*items: tuple[str, int]) -> pb.CheckAvailabilityRequest:
    return pb.CheckAvailabilityRequest(
        items=[pb.AvailabilityLine(product_id=p, quantity=q) for p, q in items]
    )


def test_availability_answers_as_rest_does(stub, client, inventory):
    mug = inventory.add_product(on_hand=5, price=Decimal("19.99"), name="Mug")
    off = inventory.add_product(on_hand=5, active=False)
    unknown = str(uuid.uuid4())
    asked = [(mug, 2), (off, 1), (unknown, 1)]
    answer = stub.CheckAvailability(lines(*asked))
    rest = client.post(
        "/api/stock/availability",
        json={"items": [{"product_id": p, "quantity": q} for p, q in asked]},
    ).json
    assert answer.available is rest["available"] is False
    shown = [
        {
            "product_id": i.product_id,
            "quantity": i.quantity,
            "available": i.available,
            "available_quantity": i.available_quantity,
            **{f: getattr(i, f) if i.HasField(f) else None for f in ("name", "price", "reason")},
        }
        for i in answer.items
    ]
    assert shown == rest["items"]
    assert [i.reason for i in answer.items[1:]] == ["inactive_product", "unknown_product"]
    assert stub.CheckAvailability(lines((mug, 5))).available is True
    assert stub.CheckAvailability(lines((mug, 6))).items[0].reason == "insufficient_stock"


def test_a_product_reads_as_rest_shows_it(stub, client, inventory):
    mug = inventory.add_product(on_hand=7, price=Decimal("19.99"), name="Mug", maximum=50)
    product = stub.GetProduct(pb.GetProductRequest(product_id=mug.upper()))
    rest = client.get(f"/api/products/{mug}").json
    assert (product.id, product.sku, product.name, product.price) == (
        rest["id"],
        rest["sku"],
        "Mug",
        "19.99",
    )
    assert (product.on_hand, product.reserved, product.available) == (7, 0, 7)
    assert product.maximum == 50 and not product.HasField("minimum")
    assert product.created_at.ToDatetime().isoformat() == rest["created_at"][:26]


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (pb.CheckAvailabilityRequest(), {"items": "too_short"}),
        (lines(("not-an-id", 1)), {"items.0.product_id": "uuid_parsing"}),
        (
            lines((str(uuid.uuid4()), 0), (str(uuid.uuid4()), 1_000_000_001)),
            {"items.0.quantity": "greater_than_equal", "items.1.quantity": "less_than_equal"},
        ),
    ],
    ids=["no lines", "bad id", "bad quantities"],
)
def test_bad_input_is_invalid_argument_naming_each_field(stub, request_, fields):
    refused = refusal(stub.CheckAvailability, request_)
    assert refused.code is grpc.StatusCode.INVALID_ARGUMENT
    assert (refused.reason, refused.fields) == ("validation_failed", fields)
    assert refused.message == "The request does not match the expected schema."


def test_domain_errors_keep_their_codes(stub, inventory):
    mug = inventory.add_product(on_hand=1)
    twice = refusal(stub.CheckAvailability, lines((mug, 1), (mug, 1)))
    assert (twice.code, twice.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "duplicate_product")
    missing = refusal(stub.GetProduct, pb.GetProductRequest(product_id=str(uuid.uuid4())))
    assert (missing.code, missing.reason) == (grpc.StatusCode.NOT_FOUND, "product_not_found")
    assert missing.request_id, "every refusal carries the request id of the logs"
    garbled = refusal(stub.GetProduct, pb.GetProductRequest(product_id="no-such-thing"))
    assert garbled.code is grpc.StatusCode.NOT_FOUND, "as REST's path ids: found nowhere"
    empty = refusal(stub.GetProduct, pb.GetProductRequest())
    assert (empty.code, empty.fields) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        {"product_id": "missing"},
    )


def test_the_callers_request_id_is_kept_and_returned(stub, inventory):
    mug = inventory.add_product(on_hand=1)
    _, call = stub.GetProduct.with_call(
        pb.GetProductRequest(product_id=mug), metadata=(("x-request-id", "trace-42"),)
    )
    assert ("x-request-id", "trace-42") in call.trailing_metadata()


def test_a_deadline_shorter_than_the_work_ends_the_call(stub, inventory):
    mug = inventory.add_product(on_hand=1)
    started = time.monotonic()
    refused = refusal(stub.GetProduct, pb.GetProductRequest(product_id=mug), timeout=0.000_1)
    assert refused.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 0.5


def test_reflection_names_the_api_health_and_reflection(channel):
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    [answer] = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for s in answer.list_services_response.service}
    assert names == {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}


def test_the_grpc_role_serves_until_sigterm_and_health_follows_the_database(
    command, disposable_postgres, open_inventory, amqp_url
):
    url = disposable_postgres.url()
    product = open_inventory(url).add_product(on_hand=3)
    port = free_port()
    process = command(
        "grpc",
        DATABASE_URL=url,
        AMQP_URL=amqp_url,
        GRPC_HOST="127.0.0.1",
        GRPC_PORT=str(port),
        GRPC_HEALTH_INTERVAL_SECONDS="0.2",
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)

        def status(service: str = "") -> int | None:
            request = health_pb2.HealthCheckRequest(service=service)
            try:
                return health.Check(request, timeout=2, wait_for_ready=True).status
            except grpc.RpcError:  # not listening yet
                return None

        serving = health_pb2.HealthCheckResponse.SERVING
        eventually(lambda: status() == serving, timeout=30, what="serving")
        assert status(SERVICE) == serving
        stub = InventoryStub(channel)
        assert stub.GetProduct(pb.GetProductRequest(product_id=product), timeout=5).on_hand == 3
        disposable_postgres.stop()
        not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
        eventually(lambda: status(SERVICE) == not_serving, timeout=30, what="not serving")
        down = refusal(stub.GetProduct, pb.GetProductRequest(product_id=product), timeout=10)
        assert (down.code, down.reason) == (grpc.StatusCode.UNAVAILABLE, "database_unavailable")
        disposable_postgres.start()
        eventually(lambda: status(SERVICE) == serving, timeout=30, what="serving again")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, process.log.read_text()
