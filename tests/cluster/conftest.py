"""Mercado as pods on a real node, once for all the tests here: the node (hack/cluster/up.sh, or
the one `make cluster-up` left running), the images built from the real Dockerfiles and
imported, and the three charts installed by the script `make up` runs on kind. Tests then
use it as a client, a platform engineer and a failure would; the figures of each phase
are printed at the end of the run."""

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from mercado_local.unconsumed import sink
from mercado_platform.testing.kube import tools_bin

from ..e2e.client import PASSWORD, Client
from .node import CONTEXT, FIGURES, ROOT, STATE, Node, timed

HERE = Path(__file__).parent


def pytest_terminal_summary(terminalreporter) -> None:
    """The real node's figures, when this run used it."""
    if FIGURES:
        terminalreporter.section("real node")
        for what, seconds in FIGURES.items():
            terminalreporter.write_line(f"{what:<34} {seconds:7.1f} s")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The first real-node test also builds, imports and installs everything (minutes on two
    busy cores): these tests get 30 minutes, not the suite's 5."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.timeout(1800))


def running() -> bool:
    """A node is up (made by `make cluster-up`): its holder process is alive."""
    try:
        os.kill(int((STATE / "pids" / "holder.pid").read_text()), 0)
    except (OSError, ValueError):
        return False
    return (STATE / "kubeconfig").exists()


STARTED: list[bool] = []  # one entry when this run started the node (taken down after its tests)


@pytest.fixture(scope="session")
def node() -> Iterator[Node]:
    """The real node; one this run started is taken down after it, and must leave nothing."""
    if os.geteuid() != 0:
        raise RuntimeError("the real-node tests need root (network namespace, mounts, cgroups)")
    if not running():
        timed("cluster up (node Ready, CoreDNS)", str(ROOT / "hack/cluster/up.sh"))
        STARTED.append(True)
    yield Node(STATE / "kubeconfig")
    take_down()


# last, after pytest's own teardown of the item: a failure here is that item's teardown
# error and leaves the next item's setup alone
@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last real-node test, not at the end of the whole run: the node's pods would
    take CPU from every test that comes after."""
    if nextitem is None or HERE not in nextitem.path.parents:
        take_down()


def take_down() -> None:
    """Stop the node this run started, if it is still up."""
    if STARTED:
        STARTED.clear()
        timed("cluster down", str(ROOT / "hack/cluster/down.sh"))
        assert_nothing_left()


def assert_nothing_left() -> None:
    """What cluster-down promises: no process, mount, network namespace, link or cgroup."""
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    mounts = Path("/proc/mounts").read_text()
    assert "mcd-host" not in links
    assert CONTEXT not in namespaces.split()
    assert str(STATE) not in mounts and "mercado-node-netns" not in mounts
    assert str(tools_bin().parent / "containers") not in mounts, "buildah left mounts"
    assert not list(Path("/sys/fs/cgroup").glob(f"*/{CONTEXT}"))
    assert not STATE.exists()


@pytest.fixture(scope="session")
def mercado(node: Node) -> Node:
    """The images built and imported, then the charts installed and every part ready. On a
    node this run did not start, a tag of its own, so every pod runs this tree's images."""
    tag = "dev" if STARTED else f"run{int(time.time())}"
    timed("images (6 Mercado + 4 infra)", str(ROOT / "hack/cluster/images.sh"), "all", tag)
    timed(
        "install to Ready (3 charts)",
        str(ROOT / "hack/install-charts.sh"),
        CONTEXT,
        "node",
        env={**node.env, "TAG": tag, "TIMEOUT": "15m"},
    )
    installed = replace(node, tag=tag)
    # what no service consumes yet (stock.committed, ...) would wait out the relays' 10 min
    # unroutable grace in their outboxes: bound to a capped queue, as local mode's tests do
    password = quote(installed.secret("mercado-rabbitmq-admin", "password"), safe="")
    with installed.port_forward("pod/mercado-rabbitmq-0", 5672) as port:
        sink(f"amqp://admin:{password}@127.0.0.1:{port}/%2F")
    return installed


@pytest.fixture(scope="session")
def api(mercado: Node):
    """Where clients send requests: the gateway's NodePort."""
    return mercado.endpoints


@pytest.fixture(scope="session")
def admin(mercado: Node, api) -> Client:
    """A staff member, made as an operator of the platform does (the users command)."""
    login = f"staff{uuid.uuid4().hex[:8]}"
    mercado.exec(
        "deploy/mercado-users",
        "env",
        f"ADMIN_PASSWORD={PASSWORD}",
        "mercado-users",
        "create-admin",
        "--login",
        login,
        "--email",
        f"{login}@mercado.test",
    )
    token = Client(api).post("/api/auth/token", json={"login": login, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return Client(api, token.json()["access_token"])
