"""The gateway as it runs: a real nginx with the configuration the platform chart renders,
in front of all five services running as processes on real PostgreSQL and RabbitMQ."""

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import requests
import yaml

from mercado_local.gateway import CHART, Gateway
from mercado_local.services import ServiceProcesses
from mercado_platform.testing.kube import tool
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until

SERVICES = ("users", "inventory", "orders", "payments", "notifications")
ROUTES = {
    name: values["routes"]
    for name, values in yaml.safe_load((CHART / "values.yaml").read_text())["services"].items()
}


@pytest.fixture(scope="module")
def services(postgres_server, rabbitmq_server, tmp_path_factory) -> Iterator[dict]:
    """Every service's API (migrated, declared, serving), each on its own database."""
    logs = tmp_path_factory.mktemp("services")
    vhost = rabbitmq_server.create_vhost()
    started: dict[str, ServiceProcesses] = {}
    try:
        for name in SERVICES:
            env = {
                "DATABASE_URL": postgres_server.create_database(),
                "AMQP_URL": rabbitmq_server.amqp_url(vhost),
            }
            if name != "users":  # as the chart links them
                env["JWKS_URL"] = f"{started['users'].url}/.well-known/jwks.json"
            if name == "orders":
                env["INVENTORY_URL"] = started["inventory"].url
            started[name] = ServiceProcesses(name, env, logs).prepare().start("serve")
        yield started
    finally:
        for service in started.values():
            service.stop()
        rabbitmq_server.delete_vhost(vhost)


def _upstreams(services: dict) -> dict[str, str]:
    return {name: f"127.0.0.1:{service.port}" for name, service in services.items()}


@pytest.fixture(scope="module")
def gateway(services) -> Iterator[Gateway]:
    running = Gateway(
        _upstreams(services),
        values={"gateway": {"rateLimit": {"requestsPerSecond": 1000, "burst": 1000}}},
    ).start()
    yield running
    running.stop()


def _served_by(gateway: Gateway, request_id: str) -> str:
    """The upstream address nginx's access log names for request `request_id` ("" if none)."""
    for line in (gateway.prefix / "access.log").read_text().splitlines():
        entry = json.loads(line)
        if entry["request_id"] == request_id:
            return entry["upstream"]
    return ""


def test_every_route_reaches_its_service_with_the_request_id(gateway, services):
    checked = 0
    for name, routes in ROUTES.items():
        for route in routes:
            for path in (route, f"{route}/anything"):
                request_id = f"t-{uuid.uuid4().hex}"
                answer = requests.get(
                    gateway.url + path, headers={"X-Request-ID": request_id}, timeout=10
                )
                assert answer.headers["X-Request-ID"] == request_id, path
                assert answer.status_code not in (502, 504), (path, answer.text)
                where = eventually(lambda rid=request_id: _served_by(gateway, rid), timeout=5)
                assert where == f"127.0.0.1:{services[name].port}", (path, name)
                log = services[name].logs / f"{name}-serve.log"
                assert eventually(lambda rid=request_id, log=log: rid in log.read_text(), timeout=5)
                checked += 1
    assert checked == 2 * sum(len(routes) for routes in ROUTES.values()) >= 16


def test_answers_only_each_service_gives(gateway):
    jwks = requests.get(f"{gateway.url}/.well-known/jwks.json", timeout=10)
    assert jwks.status_code == 200 and jwks.json()["keys"], "users' JWKS"
    weak = requests.post(f"{gateway.url}/api/users", json={"login": "x"}, timeout=10)
    assert weak.status_code in (400, 422) and weak.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    token = requests.post(
        f"{gateway.url}/api/auth/token",
        json={"login": "nobody", "password": "wrong-pass"},
        timeout=10,
    )
    assert token.status_code == 401, token.text
    products = requests.get(f"{gateway.url}/api/products", timeout=10)
    assert products.status_code == 200 and "items" in products.json(), "inventory's catalogue"
    availability = requests.post(
        f"{gateway.url}/api/stock/availability", json={"items": []}, timeout=10
    )
    assert availability.status_code in (200, 400, 422), availability.text
    orders = requests.get(f"{gateway.url}/api/orders", timeout=10)
    assert orders.status_code in (401, 503), "orders wants a token"


def test_docs_lists_every_service_and_proxies_their_openapi(gateway):
    page = requests.get(f"{gateway.url}/docs", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "SwaggerUIBundle" in page.text
    for name in SERVICES:
        assert f'"/docs/{name}/openapi.json"' in page.text
        document = requests.get(f"{gateway.url}/docs/{name}/openapi.json", timeout=10)
        assert document.status_code == 200
        assert document.json()["info"]["title"] == f"Mercado {name} API"


def test_request_ids_are_made_when_missing_or_unsafe(gateway):
    made = requests.get(f"{gateway.url}/api/products", timeout=10).headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    unsafe = requests.get(
        f"{gateway.url}/api/products", headers={"X-Request-ID": "a b<script>"}, timeout=10
    )
    assert unsafe.headers["X-Request-ID"] != "a b<script>"
    assert len(unsafe.headers["X-Request-ID"]) == 32


def _problem(answer: requests.Response, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == status and body["code"] == code and body["detail"]
    assert body["request_id"] == answer.headers["X-Request-ID"]
    return body


def test_a_body_over_the_limit_gets_413(gateway):
    answer = requests.post(
        f"{gateway.url}/api/products",
        data=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    _problem(answer, 413, "payload_too_large")


def test_unknown_paths_get_a_problem_404(gateway):
    _problem(requests.get(f"{gateway.url}/api/nothing-here", timeout=10), 404, "not_found")


def test_a_method_nginx_refuses_gets_405_naming_the_path_methods(gateway):
    traced = requests.request("TRACE", f"{gateway.url}/api/products", timeout=10)
    _problem(traced, 405, "method_not_allowed")
    assert set(traced.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "TRACE" not in traced.headers["Allow"]
    one = requests.request("TRACE", f"{gateway.url}/api/orders/{uuid.uuid4()}", timeout=10)
    assert {"GET", "PATCH"} <= set(_allowed(one))
    _problem(requests.request("TRACE", f"{gateway.url}/nowhere", timeout=10), 404, "not_found")


def test_a_method_no_route_has_gets_405_from_the_service(gateway):
    answer = requests.request("PUT", f"{gateway.url}/api/products", timeout=10)
    _problem(answer, 405, "method_not_allowed")
    assert "PUT" not in _allowed(answer)


def _allowed(answer: requests.Response) -> list[str]:
    assert answer.status_code == 405, answer.text
    return answer.headers["Allow"].split(", ")


def test_a_uri_too_long_gets_a_problem_414(gateway):
    answer = requests.get(f"{gateway.url}/api/products?q={'x' * 20000}", timeout=10)
    _problem(answer, 414, "uri_too_long")


def test_a_request_that_is_not_http_gets_a_problem_400(gateway):
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as conn:
        conn.sendall(b"GET /api/products HTTP/1.1\r\n\r\n")  # HTTP/1.1 needs a Host
        head, _, body = conn.recv(65536).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/problem+json" in head
    assert json.loads(body)["code"] == "bad_request"


def test_too_many_requests_get_429(services):
    slow = Gateway(
        _upstreams(services),
        values={"gateway": {"rateLimit": {"requestsPerSecond": 1, "burst": 2}}},
    ).start()
    try:
        answers = [requests.get(f"{slow.url}/api/products", timeout=10) for _ in range(10)]
    finally:
        slow.stop()
    statuses = [a.status_code for a in answers]
    assert statuses[:3] == [200, 200, 200], statuses
    limited = [a for a in answers if a.status_code == 429]
    assert len(limited) >= 5, statuses
    _problem(limited[0], 429, "rate_limited")
    assert limited[0].headers["Retry-After"] == "1"


def test_a_service_down_gets_502_and_a_silent_one_504(services):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    upstreams = _upstreams(services) | {
        "payments": f"127.0.0.1:{free_port()}",
        "notifications": f"127.0.0.1:{silent.getsockname()[1]}",
    }
    gateway = Gateway(upstreams, values={"gateway": {"timeouts": {"readSeconds": 1}}}).start()
    try:
        _problem(
            requests.get(f"{gateway.url}/api/payments", timeout=10), 502, "service_unavailable"
        )
        _problem(
            requests.get(f"{gateway.url}/api/notifications", timeout=10), 504, "service_timeout"
        )
        assert requests.get(f"{gateway.url}/api/products", timeout=10).status_code == 200
    finally:
        gateway.stop()
        silent.close()


def test_only_the_services_given_are_routed(services):
    gateway = Gateway({"inventory": f"127.0.0.1:{services['inventory'].port}"}).start()
    try:
        assert requests.get(f"{gateway.url}/api/products", timeout=10).status_code == 200
        _problem(requests.get(f"{gateway.url}/api/orders", timeout=10), 404, "not_found")
        assert "/docs/orders/" not in requests.get(f"{gateway.url}/docs", timeout=10).text
    finally:
        gateway.stop()


def test_the_helm_test_order_passes_through_the_gateway(gateway, services):
    """The `helm test` pod's own script, as the chart renders it, run here against the
    services (with their relays and consumers) behind the gateway: an order placed and its
    stock reserved."""
    rendered = subprocess.run(
        [tool("helm"), "template", "mercado", str(CHART), "-s", "templates/tests/test-order.yaml"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    container = yaml.safe_load(rendered)["spec"]["containers"][0]
    assert container["command"] == ["python", "-c"]
    services["users"].start("relay")
    for name in ("inventory", "orders"):
        services[name].start("relay", "consume")
    users = services["users"].env
    env = {
        **os.environ,
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
        "GATEWAY_URL": gateway.url,
        "DATABASE_URL": users["DATABASE_URL"],
        "AMQP_URL": users["AMQP_URL"],
        "TEST_TIMEOUT_SECONDS": "90",
    }
    done = subprocess.run(
        [sys.executable, "-c", *container["args"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "placed and its stock reserved" in done.stdout


def test_the_dev_profile_serves_through_plain_gunicorn_with_reload(services, tmp_path):
    """values-dev.yaml's API command (skaffold dev), run here: the wsgi entry point serves."""
    rendered = subprocess.run(
        [tool("helm"), "template", "m", str(CHART), "-f", str(CHART / "values-dev.yaml")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    api = next(
        doc
        for doc in yaml.safe_load_all(rendered)
        if doc and doc["kind"] == "Deployment" and doc["metadata"]["name"] == "m-mercado-payments"
    )
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["gunicorn"] and "--reload" in container["args"]
    port = free_port()
    args = [a.replace("0.0.0.0:8080", f"127.0.0.1:{port}") for a in container["args"]]
    program = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = spawn([program, *args], log=tmp_path / "dev.log", env=services["payments"].env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: requests.get(f"{url}/readyz", timeout=1).status_code == 200,
            timeout=60,
            what="gunicorn --reload",
            process=process,
            log=tmp_path / "dev.log",
        )
        title = requests.get(f"{url}/openapi.json", timeout=5).json()["info"]["title"]
        assert title == "Mercado payments API"
    finally:
        stop_process(process)
