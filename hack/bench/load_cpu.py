"""Where the benchmark's CPU went: CPU seconds per process group (a service role with its
gunicorn workers, PostgreSQL with its backends, RabbitMQ, nginx, the bench itself with its
payers and mail sink), read from /proc before and after a phase."""

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from mercado_local.runner import LocalMercado

TICKS = os.sysconf("SC_CLK_TCK")


def process_groups(mercado: LocalMercado) -> dict[int, str]:
    """Process group id -> what it is, for everything this benchmark started."""
    groups = {os.getpgrp(): "bench (load, payers, mail sink)"}
    groups |= {pid: _command(pid) for pid in mercado.servers.pids()}
    if mercado.gateway is not None and mercado.gateway.process is not None:
        groups[mercado.gateway.process.pid] = "gateway (nginx)"
    for name, processes in mercado.running.items():
        groups |= {process.pid: f"{name} {role}" for role, process in processes.running.items()}
    return groups


def cpu_seconds(groups: dict[int, str]) -> Counter:
    """CPU seconds used so far by the live processes of each group, by its name: a process
    belongs to the group of its process group leader, else of its nearest ancestor that
    leads one (PostgreSQL's backends start sessions of their own)."""
    processes = dict(_processes())
    used: Counter = Counter()
    for parent, group, cpu in processes.values():
        while group not in groups and parent in processes:
            parent, group, _ = processes[parent]
        if group in groups:
            used[groups[group]] += cpu
    return used


def _processes() -> Iterator[tuple[int, tuple[int, int, float]]]:
    """(pid, (parent pid, process group, CPU seconds)) of every live process."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICKS
            yield int(entry.name), (int(fields[1]), int(fields[2]), cpu)


def cpu_rows(
    before: Counter, at_end: Counter, settled: Counter, seconds: float, orders: int, after: float
) -> list[tuple[str, str]]:
    """Table rows: cores busy during the phase, and the CPU per accepted order of all the
    work those orders made, until the platform settled `after` seconds past the phase's end
    (work left over for later would flatter whichever run left more of it)."""
    busy = (at_end - before).total() / seconds
    spent = settled - before
    rows = [("CPU busy during the orders phase", f"{busy:.2f} of {os.cpu_count()} cores")]
    if not orders:
        return [*rows, ("CPU per accepted order", "n/a")]
    shares = ", ".join(
        f"{name} {1000 * used / orders:.1f}"
        for name, used in spent.most_common()
        if 1000 * used / orders >= 0.05
    )
    return [
        *rows,
        (
            "CPU per accepted order",
            f"{1000 * spent.total() / orders:.0f} ms (its work done {after:.1f} s after the phase)",
        ),
        ("CPU per accepted order by process group, ms", shares),
    ]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return f"pid {pid}"
