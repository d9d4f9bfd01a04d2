"""`mercado-users`: serve, migrate, relay, consume, declare, replay, revision."""

import sys

from mercado_platform.cli import run
from mercado_users.bootstrap import SPEC


def main() -> int:
    """Run the command named on the command line."""
    return run(SPEC, sys.argv[1:])
