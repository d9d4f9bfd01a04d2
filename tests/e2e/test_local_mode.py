"""`mercado-local` as a user runs it: it comes up with its seed, answers through its
gateway, and a SIGTERM stops every process it started (nginx included)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from mercado_local.seed import CATALOGUE
from mercado_platform.testing.polling import eventually


def descendants(root: int) -> dict[int, str]:
    """Every live process below `root`, with its start time (so a reused pid is not it)."""
    parents, starts = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)], starts[int(entry.name)] = int(fields[1]), fields[19]
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = starts[pid]
                frontier.append(pid)
    return found


def alive(pid: int, start: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start and fields[0] != "Z"


def test_local_mode_starts_seeds_answers_and_stops_cleanly(tmp_path):
    state_file = tmp_path / "state.json"
    command = [
        str(Path(sys.executable).parent / "mercado-local"),
        "--workdir",
        str(tmp_path / "run"),
        "--state-file",
        str(state_file),
    ]
    env = {**os.environ, "ADMIN_PASSWORD": "Quiet-Harbor-2024"}
    output = tmp_path / "output.log"
    with output.open("wb") as out:
        runner = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        eventually(
            lambda: state_file.exists() or runner.poll() is not None,
            timeout=240,
            what="local mode ready",
        )
        assert runner.poll() is None, output.read_text()
        state = json.loads(state_file.read_text())
        started = descendants(runner.pid)
        assert set(state["pids"]) <= set(started)

        users = inventory = state["gateway"]
        assert output.read_text().startswith("mercado-local: starting")
        assert f"mercado-local: ready at {state['gateway']}" in output.read_text()
        login = {"login": "admin", "password": "Quiet-Harbor-2024"}
        token = requests.post(f"{users}/api/auth/token", json=login, timeout=10)
        assert token.status_code == 200, token.text
        assert "users:admin" in token.json()["scope"].split()
        listed = requests.get(f"{inventory}/api/products", params={"limit": 100}, timeout=10)
        by_sku = {item["sku"]: item for item in listed.json()["items"]}
        assert set(by_sku) == {row[0] for row in CATALOGUE}
        mug = requests.get(
            f"{inventory}/api/products/{state['products']['mug-classic']}", timeout=5
        )
        assert (mug.json()["on_hand"], mug.json()["minimum"]) == (120, 10)
        text = output.read_text()
        assert "admin          admin / Quiet-Harbor-2024" in text
        assert all(url in text for url in state["services"].values())
    finally:
        runner.send_signal(signal.SIGTERM)
        code = runner.wait(timeout=120)
    assert code == 0, output.read_text()
    assert output.read_text().rstrip().endswith("mercado-local: stopped")
    left = [pid for pid, start in started.items() if alive(pid, start)]
    assert left == [], f"orphans after shutdown: {left}"
