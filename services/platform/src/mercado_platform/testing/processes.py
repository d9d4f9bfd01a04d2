"""Starting and stopping server processes for tests, with deadlines instead of sleeps."""

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class ServerError(RuntimeError):
    """A test server could not be started; the message says why and where its log is."""


LOWEST_PORT = 10_000
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, never handed out before here.

    It is picked below the kernel's ephemeral range: a port from that range (what binding
    port 0 gives) can be taken by an outgoing connection before its server binds it.
    """
    below = first_ephemeral_port()
    if below <= LOWEST_PORT:
        raise ServerError(f"the ephemeral ports start at {below}, below our {LOWEST_PORT}")
    for _ in range(1000):
        port = random.randrange(LOWEST_PORT, below)
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    raise ServerError(f"no free TCP port between {LOWEST_PORT} and {below}")


def first_ephemeral_port() -> int:
    """The lowest port the kernel gives outgoing connections' local ends."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except OSError:
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_binary(name: str, *candidates: str) -> str:
    """The first of `candidates` (globs allowed) that exists, else `name` on PATH."""
    for pattern in candidates:
        matches = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        if matches:
            return str(matches[0])
    found = shutil.which(name)
    if found is None:
        raise ServerError(f"{name} is not installed; run `make test-deps` (see docs/testing.md).")
    return found


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    """Poll `ready` until it returns True, failing early if `process` dies."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerError(f"{what} exited with {process.returncode}; {_tail(log)}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    raise ServerError(f"{what} not ready after {timeout:.0f}s; {_tail(log)}")


def stop_process(
    process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 20
) -> None:
    """Signal `process` and wait for it, killing it if it does not stop in time."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def spawn(
    args: list[str], *, log: Path, env: dict[str, str] | None = None, user: str | None = None
) -> subprocess.Popen:
    """Start `args` in its own process group with output going to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            user=user,
            start_new_session=True,
        )


def _tail(log: Path | None, lines: int = 15) -> str:
    if log is None or not log.exists():
        return "no log"
    text = log.read_text(errors="replace").splitlines()[-lines:]
    return f"last lines of {log}:\n" + "\n".join(text)
