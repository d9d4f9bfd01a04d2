"""Local mode: the servers, the trace store (when asked for), every service's processes,
the mail sink, the nginx gateway in front and the seed, started in order and stopped in
reverse."""

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mercado_local.gateway import Gateway
from mercado_local.layout import SERVICES, Endpoints, Service, Wiring
from mercado_local.mail import MailSink
from mercado_local.seed import ADMIN_EMAIL, Seeded, seed
from mercado_local.servers import Servers
from mercado_local.services import ServiceProcesses
from mercado_local.tracing import TraceStore

# One machine's clients all come from 127.0.0.1: the chart's per-address limit (20/s) would
# throttle every test and benchmark as if they were one abusive client.
GATEWAY_VALUES: dict[str, Any] = {
    "gateway": {"rateLimit": {"requestsPerSecond": 100_000, "burst": 100_000}}
}


@dataclass
class LocalMercado:
    """Mercado as local processes, its logs and mailbox under `workdir`."""

    workdir: Path
    servers: Servers = field(default_factory=Servers)
    services: tuple[Service, ...] = SERVICES
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(12) + "-L0cal")
    database_prefix: str = "mercado_"
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    webhook_secret: str = field(default_factory=lambda: "whsec_" + secrets.token_hex(24))
    running: dict[str, ServiceProcesses] = field(default_factory=dict)
    endpoints: Endpoints | None = None
    seeded: Seeded | None = None
    gateway: Gateway | None = None
    traces: TraceStore | None = None
    """Where every process sends its spans, when given."""
    _mail: MailSink | None = None

    @property
    def mailbox(self) -> Path:
        """The file every e-mail sent is appended to."""
        return self.workdir / "mail.log"

    def start(self) -> "LocalMercado":
        """Servers, mail sink, each service prepared and started, the gateway, the seed."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.servers.start()
        if self.traces is not None:
            self.traces.start()
        self._mail = MailSink(self.mailbox).start()
        planned = {s.name: ServiceProcesses(s.name, {}, self.workdir) for s in self.services}
        urls = {name: processes.url for name, processes in planned.items()}
        upstreams = {name: f"127.0.0.1:{processes.port}" for name, processes in planned.items()}
        grpc = {name: p.grpc_target for name, p in planned.items() if p.grpc_target}
        # its port is chosen now: payments links its checkout pages at the gateway's URL
        self.gateway = Gateway(upstreams, grpc, values=GATEWAY_VALUES)
        wiring = Wiring(
            urls,
            self._mail.settings(),
            grpc,
            public_url=self.gateway.url,
            webhook_secret=self.webhook_secret,
            staff_emails=ADMIN_EMAIL,
        )
        for service in self.services:
            processes = planned[service.name]
            processes.env.update(
                DATABASE_URL=self.servers.database(self.database_prefix + service.name),
                AMQP_URL=self.servers.amqp_url,
                **service.settings(wiring),
                **(self.traces.settings() if self.traces else {}),
            )
            processes.env.update(self.overrides.get(service.name, {}))
            self.running[service.name] = processes  # stopped by stop() even if start fails
            processes.prepare().start()
        self.gateway.start()
        self.endpoints = Endpoints(urls, gateway=self.gateway.url)
        self.seeded = seed(self.running["users"], self.endpoints, self.admin_password)
        return self

    def stop(self) -> None:
        """Everything started, in reverse order; safe to call after a failed start."""
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        for processes in reversed(list(self.running.values())):
            processes.stop()
        self.running.clear()
        if self._mail is not None:
            self._mail.stop()
            self._mail = None
        if self.traces is not None:
            self.traces.stop()
        self.servers.stop()

    def pids(self) -> list[int]:
        """Every process started: the gateway's nginx and each service role (their children
        are theirs to stop)."""
        front = [self.gateway.process.pid] if self.gateway and self.gateway.process else []
        traces = [p.pid for p in self.traces.processes.values()] if self.traces else []
        return front + traces + [p.pid for s in self.running.values() for p in s.running.values()]
