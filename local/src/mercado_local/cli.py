"""`mercado-local`: run Mercado as local processes until Ctrl-C or SIGTERM."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import requests

from mercado_local import tracing
from mercado_local.runner import LocalMercado
from mercado_local.sample import place_sample_order
from mercado_local.seed import ADMIN_LOGIN
from mercado_local.servers import Servers
from mercado_platform.testing.processes import ServerError


class Interrupted(Exception):
    """A stop signal arrived."""


def main(argv: Sequence[str] | None = None) -> int:
    """Start everything, print where it is, wait for a signal, stop everything."""
    args = _parser().parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mercado-local-")).resolve()
    mercado = LocalMercado(workdir, Servers(args.postgres_url or "", args.amqp_url or ""))
    if not args.no_traces and tracing.available():
        mercado.traces = tracing.TraceStore(workdir / "traces")
    if os.environ.get("ADMIN_PASSWORD"):
        mercado.admin_password = os.environ["ADMIN_PASSWORD"]
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        print(f"mercado-local: starting; logs in {workdir}", flush=True)
        mercado.start()
        sample = _sample_trace(mercado)
        _announce(mercado, args.state_file, sample)
        code = _watch(mercado)
    except Interrupted:
        print("mercado-local: stopping", flush=True)
    except (AssertionError, ServerError, OSError, requests.RequestException) as exc:
        print(f"mercado-local: could not start: {_why(exc)}", file=sys.stderr, flush=True)
        code = 1
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        mercado.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("mercado-local: stopped", flush=True)
    return code


def _why(exc: Exception) -> str:
    """The error, with the problem a refusing service answered (its code and fields)."""
    answer = exc.response if isinstance(exc, requests.HTTPError) else None
    return f"{exc}: {answer.text[:500]}" if answer is not None else str(exc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mercado-local", description=__doc__)
    parser.add_argument("--workdir", help="logs and mailbox (default: a new temporary directory)")
    parser.add_argument(
        "--postgres-url", help="admin URL of a PostgreSQL to use (default: a private server)"
    )
    parser.add_argument("--amqp-url", help="AMQP URL of a RabbitMQ to use (default: private)")
    parser.add_argument("--state-file", help="write the URLs, admin and pids here as JSON")
    parser.add_argument(
        "--no-traces", action="store_true", help="no collector, trace store or sample order"
    )
    return parser


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise Interrupted


def _watch(mercado: LocalMercado) -> int:
    """Wait for a signal; a service process that dies on its own stops local mode."""
    idle = threading.Event()
    while True:
        gateway = mercado.gateway
        if (
            gateway is not None
            and gateway.process is not None
            and gateway.process.poll() is not None
        ):
            print(f"mercado-local: the gateway exited; see {gateway.error_log}", file=sys.stderr)
            return 1
        for name, processes in mercado.running.items():
            for role, process in processes.running.items():
                if process.poll() is not None:
                    log = mercado.workdir / f"{name}-{role}.log"
                    print(f"mercado-local: {name} {role} exited; see {log}", file=sys.stderr)
                    return 1
        idle.wait(1)


def _sample_trace(mercado: LocalMercado) -> str | None:
    """With a trace store, place the sample order and give the link to its trace."""
    if mercado.traces is None:
        return None
    assert mercado.endpoints is not None and mercado.seeded is not None
    return mercado.traces.link(place_sample_order(mercado.endpoints, mercado.seeded.products))


def _announce(mercado: LocalMercado, state_file: str | None, sample: str | None) -> None:
    """Print where everything is; write it as JSON for scripts and tests."""
    assert mercado.endpoints is not None and mercado.seeded is not None
    state = {
        "services": mercado.endpoints.services,
        "gateway": mercado.endpoints.gateway,
        "grpc": mercado.gateway.grpc_target if mercado.gateway else None,
        "admin": {"login": ADMIN_LOGIN, "password": mercado.seeded.admin_password},
        "products": mercado.seeded.products,
        "mailbox": str(mercado.mailbox),
        "logs": str(mercado.workdir),
        "pids": mercado.pids(),
        "traces": mercado.traces.ui if mercado.traces else None,
        "sample_trace": sample,
    }
    direct = [f"    {name:<14} {url}" for name, url in mercado.endpoints.services.items()]
    print(
        f"mercado-local: ready at {mercado.endpoints.gateway}\n"
        + f"  gateway        {mercado.endpoints.gateway}   (every API, /docs)\n"
        + f"  gRPC           {state['grpc']}   (orders and inventory, plain HTTP/2)\n"
        + "  services (direct, bypassing the gateway):\n"
        + "\n".join(direct)
        + f"\n  admin          {ADMIN_LOGIN} / {mercado.seeded.admin_password}"
        + f"\n  products       {len(mercado.seeded.products)} seeded"
        + f"\n  mailbox        {mercado.mailbox}"
        + f"\n  logs           {mercado.workdir}"
        + _traces_lines(mercado, sample)
        + "\nCtrl-C stops everything.",
        flush=True,
    )
    if state_file:
        Path(state_file).write_text(json.dumps(state, indent=2))


def _traces_lines(mercado: LocalMercado, sample: str | None) -> str:
    if mercado.traces is None:
        return "\n  traces         off (`make tools` builds the collector and Jaeger)"
    return (
        f"\n  traces         {mercado.traces.ui}   (every order placed, each its whole trace)"
        + f"\n  sample order   {sample}   (placed and paid at start: its trace)"
    )
