"""Connection parameters for RabbitMQ, shared by the probe, publisher and consumer."""

import pika


def connection_parameters(
    url: str, *, timeout: float = 5.0, name: str = "mercado"
) -> pika.URLParameters:
    """Parameters for `url` with bounded socket, handshake and blocked timeouts."""
    params = pika.URLParameters(url)
    params.socket_timeout = timeout
    params.stack_timeout = timeout
    params.blocked_connection_timeout = timeout * 6
    params.connection_attempts = 1
    params.client_properties = {"connection_name": name}
    return params


class BrokerProbe:
    """Checks that the broker accepts an AMQP connection with our credentials."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.params = connection_parameters(url, timeout=timeout, name="readiness-probe")

    def ping(self) -> None:
        """Raise unless an AMQP handshake succeeds."""
        connection = pika.BlockingConnection(self.params)
        connection.close()
