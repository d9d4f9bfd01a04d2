"""Local mode: the servers, every service's processes, the mail sink and the seed, started
in order and stopped in reverse. The gateway goes in front at `_front` once it exists."""

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from mercado_local.layout import SERVICES, Endpoints, Service, Wiring
from mercado_local.mail import MailSink
from mercado_local.seed import Seeded, seed
from mercado_local.servers import Servers
from mercado_local.services import ServiceProcesses


@dataclass
class LocalMercado:
    """Mercado as local processes, its logs and mailbox under `workdir`."""

    workdir: Path
    servers: Servers = field(default_factory=Servers)
    services: tuple[Service, ...] = SERVICES
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(12) + "-L0cal")
    database_prefix: str = "mercado_"
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    running: dict[str, ServiceProcesses] = field(default_factory=dict)
    endpoints: Endpoints | None = None
    seeded: Seeded | None = None
    _mail: MailSink | None = None

    @property
    def mailbox(self) -> Path:
        """The file every e-mail sent is appended to."""
        return self.workdir / "mail.log"

    def start(self) -> "LocalMercado":
        """Servers, mail sink, each service prepared and started, the front, the seed."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.servers.start()
        self._mail = MailSink(self.mailbox).start()
        planned = {s.name: ServiceProcesses(s.name, {}, self.workdir) for s in self.services}
        urls = {name: processes.url for name, processes in planned.items()}
        wiring = Wiring(urls, self._mail.settings())
        for service in self.services:
            processes = planned[service.name]
            processes.env.update(
                DATABASE_URL=self.servers.database(self.database_prefix + service.name),
                AMQP_URL=self.servers.amqp_url,
                **service.settings(wiring),
            )
            processes.env.update(self.overrides.get(service.name, {}))
            self.running[service.name] = processes  # stopped by stop() even if start fails
            processes.prepare().start(*service.roles)
        self.endpoints = self._front(urls)
        self.seeded = seed(self.running["users"], self.endpoints, self.admin_password)
        return self

    def stop(self) -> None:
        """Everything started, in reverse order; safe to call after a failed start."""
        for processes in reversed(list(self.running.values())):
            processes.stop()
        self.running.clear()
        if self._mail is not None:
            self._mail.stop()
            self._mail = None
        self.servers.stop()

    def pids(self) -> list[int]:
        """Every service process started (their children are theirs to stop)."""
        return [p.pid for s in self.running.values() for p in s.running.values()]

    def _front(self, urls: dict[str, str]) -> Endpoints:
        """Where clients go. Today each service's own URL; with mercado_local.gateway, start
        `Gateway` over these upstreams here and return Endpoints(urls, gateway=its URL)."""
        return Endpoints(urls)
