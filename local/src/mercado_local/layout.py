"""What local mode runs: each service (every role its spec declares), the settings it
needs from the others, and which service answers which path (the gateway's routing table,
as data)."""

from collections.abc import Callable
from dataclasses import dataclass, field

ServiceUrls = dict[str, str]


@dataclass(frozen=True)
class Wiring:
    """What a service may need to know of the others: their API URLs, the SMTP sink, the
    gateway's public URL, the webhook secret and who the staff are."""

    urls: ServiceUrls
    smtp: dict[str, str]
    grpc: dict[str, str] = field(default_factory=dict)
    """host:port of each gRPC API."""
    public_url: str = "http://127.0.0.1:8080"
    webhook_secret: str = ""
    staff_emails: str = ""

    def jwks(self) -> dict[str, str]:
        """Where the users service publishes its token keys."""
        return {"JWKS_URL": f"{self.urls['users']}/.well-known/jwks.json"}

    def orders(self) -> dict[str, str]:
        """The availability check over gRPC, as the chart sets it; HTTP one setting away."""
        return {
            **self.jwks(),
            "INVENTORY_TRANSPORT": "grpc",
            "INVENTORY_GRPC_TARGET": self.grpc["inventory"],
            "INVENTORY_URL": self.urls["inventory"],
        }

    def payments(self) -> dict[str, str]:
        """The local checkout page, linked at the gateway, its events signed with the secret."""
        return {
            **self.jwks(),
            "PAYMENT_PROVIDER": "local",
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
            "PUBLIC_URL": self.public_url,
        }

    def notifications(self) -> dict[str, str]:
        """E-mails to the local sink, low stock to the seeded staff; retried quickly."""
        return {
            **self.jwks(),
            **self.smtp,
            "STAFF_EMAILS": self.staff_emails,
            "SMTP_BACKOFF_MAX_SECONDS": "30",
        }


@dataclass(frozen=True)
class Service:
    """One service: its name and the settings that name other services."""

    name: str
    settings: Callable[[Wiring], dict[str, str]] = field(default=lambda _wiring: {})


SERVICES: tuple[Service, ...] = (
    Service("users"),
    Service("inventory", settings=Wiring.jwks),
    Service("orders", settings=Wiring.orders),
    Service("payments", settings=Wiring.payments),
    Service("notifications", settings=Wiring.notifications),
)

# Longest prefix wins; the gateway routes the same prefixes to the same services.
ROUTES: dict[str, str] = {
    "/api/users": "users",
    "/api/auth": "users",
    "/.well-known/jwks.json": "users",
    "/api/products": "inventory",
    "/api/stock": "inventory",
    "/api/orders": "orders",
    "/api/payments": "payments",
    "/api/notifications": "notifications",
}


@dataclass(frozen=True)
class Endpoints:
    """Where a client sends a path: one gateway URL, or each service's own URL."""

    services: ServiceUrls
    gateway: str | None = None

    def url(self, path: str) -> str:
        """The absolute URL of `path` (which starts with /api/... or /.well-known/...)."""
        if self.gateway is not None:
            return self.gateway + path
        prefix = max((p for p in ROUTES if path.startswith(p)), key=len, default=None)
        if prefix is None or ROUTES[prefix] not in self.services:
            raise LookupError(f"no running service answers {path}")
        return self.services[ROUTES[prefix]] + path
