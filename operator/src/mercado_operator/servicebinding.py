"""The Secrets a service consumes, in the service-binding layout (servicebinding.io), plus the
one variable the platform reads, so a pod can take them whole with `envFrom`."""

from urllib.parse import quote

POSTGRESQL = "servicebinding.io/postgresql"
RABBITMQ = "servicebinding.io/rabbitmq"
PROVIDER = "mercado-operator"


def postgresql(host: str, port: int, database: str, user: str, password: str) -> dict[str, str]:
    """The entries of a PostgreSQL binding, with DATABASE_URL."""
    uri = f"postgresql://{_credentials(user, password)}@{host}:{port}/{database}"
    return {
        "type": "postgresql",
        "provider": PROVIDER,
        "host": host,
        "port": str(port),
        "database": database,
        "username": user,
        "password": password,
        "uri": uri,
        "DATABASE_URL": uri,
    }


def rabbitmq(host: str, port: str, vhost: str, user: str, password: str) -> dict[str, str]:
    """The entries of a RabbitMQ binding, with AMQP_URL."""
    uri = f"amqp://{_credentials(user, password)}@{host}:{port}/{quote(vhost, safe='')}"
    return {
        "type": "rabbitmq",
        "provider": PROVIDER,
        "host": host,
        "port": port,
        "virtual-host": vhost,
        "username": user,
        "password": password,
        "uri": uri,
        "AMQP_URL": uri,
    }


def _credentials(user: str, password: str) -> str:
    return f"{quote(user, safe='')}:{quote(password, safe='')}"
