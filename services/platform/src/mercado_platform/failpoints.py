"""Named places where a failure test can make this process die with SIGKILL."""

import os
import signal

VARIABLE = "MERCADO_FAILPOINT"


def failpoint(name: str) -> None:
    """Kill this process outright when MERCADO_FAILPOINT names this place."""
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
