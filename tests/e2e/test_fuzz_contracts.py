"""Every API keeps its published contract under fuzzing: schemathesis, pinned, generates
requests from each service's OpenAPI document (examples, coverage, fuzzing and stateful
phases, every check) and sends them to the service directly and through the gateway, as an
administrator and as a customer. Any 5xx, undocumented status, wrong content type, body
outside its schema, refused valid input or accepted invalid input fails the test.

The seed is fixed in CI (so a red run replays exactly) and random elsewhere; either way it
is printed with the command that replays it: MERCADO_FUZZ_SEED=<seed>."""

import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .client import PASSWORD, Client, register

SERVICES = ("users", "inventory", "orders", "payments", "notifications")
VIAS = ("direct", "gateway")
CONFIG = Path(__file__).with_name("schemathesis.toml")
CI_SEED = 23
SEED = int(
    os.environ.get("MERCADO_FUZZ_SEED")
    or (CI_SEED if os.environ.get("CI") else random.randrange(2**31))
)
REPLAY = f"MERCADO_FUZZ_SEED={SEED} make test PYTEST_ARGS='tests/e2e/test_fuzz_contracts.py'"
# What the gateway does not route (docs/api/README.md): the probes and metrics are for the
# cluster, each document is served at /docs/<service>/openapi.json instead.
NOT_ROUTED = r"^/(healthz|readyz|metrics|openapi\.json)$"
ST = Path(sys.executable).with_name("st")


@pytest.fixture(scope="module")
def accounts(admin, api) -> dict[tuple[str, str, str], str]:
    """A token of its own for each run: an administrator for the admin runs, a customer for
    the others, so what the fuzzer does to its accounts (delete them, change their password)
    touches no other run. All are made before any run: fuzzing the login throttles this
    machine's address (as it should) for the next few minutes."""
    tokens = {}
    for service in SERVICES:
        for via in VIAS:
            tokens[service, via, "admin"] = _administrator(admin, api)
            tokens[service, via, "customer"] = _token(register(api))
    return tokens


def _administrator(admin: Client, api) -> str:
    user = register(api)
    granted = admin.post(f"/api/users/{user.id}/roles/admin")
    assert granted.status_code == 200, granted.text
    # the role is in the tokens issued after the grant
    login = Client(api).post("/api/auth/token", json={"login": user.login, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return login.json()["access_token"]


def _token(client: Client) -> str:
    return client.session.headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("who", ["admin", "customer"])
@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("service", SERVICES)
def test_the_api_keeps_its_contract_under_fuzzing(
    service, via, who, mercado, accounts, tmp_path, capsys
):
    endpoints = mercado.endpoints
    if via == "gateway":
        schema, base = f"{endpoints.gateway}/docs/{service}/openapi.json", endpoints.gateway
        routed = ["--exclude-path-regex", NOT_ROUTED]
    else:
        schema, base, routed = (
            f"{endpoints.services[service]}/openapi.json",
            endpoints.services[service],
            [],
        )
    report = tmp_path / "report.json"
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        schema,
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {accounts[service, via, who]}",
        "--seed",
        str(SEED),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate=true",
        *routed,
    ]
    started = time.monotonic()
    run = subprocess.run(  # in tmp_path: schemathesis keeps a cache where it runs
        command, capture_output=True, text=True, timeout=540, check=False, cwd=tmp_path
    )
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\n{service} {via} {who}: {_summary(report)} in {elapsed:.0f}s (seed {SEED})")
    assert run.returncode == 0, f"{run.stdout[-20000:]}\n{run.stderr[-3000:]}\nreplay: {REPLAY}"


def _summary(report: Path) -> str:
    """Operations tested, test cases generated and failures, from schemathesis' report."""
    if not report.exists():
        return "no report"
    data = json.loads(report.read_text())
    cases = data["test_cases"]
    return (
        f"{data['operations']['tested']} operations, {cases['generated']} test cases, "
        f"{cases['unique_failures']} failures"
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/products?q=%00", "q"),
        ("/api/users?q=%00", "q"),
        ("/api/notifications?recipient=%00&customer_id=x", "recipient"),
        ("/api/notifications/me?order_id=%00", "order_id"),
        ("/api/orders?created_to=0.5", "created_to"),
    ],
)
def test_what_the_fuzzer_first_found_is_a_422_naming_the_field(admin, path, field):
    answer = admin.get(path)
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]


def test_a_nul_in_a_body_is_refused_and_writes_nothing(admin):
    sku = f"nul-{uuid.uuid4().hex[:8]}"
    answer = admin.post("/api/products", json={"sku": sku, "name": "Mug\x00", "price": "1.00"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["type"] == "string_nul"
    assert admin.get(f"/api/products?q={sku}").json()["items"] == []
