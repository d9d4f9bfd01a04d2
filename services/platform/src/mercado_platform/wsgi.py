"""A WSGI entry point for the plain `gunicorn` command, used by the development loop:
`gunicorn --reload 'mercado_platform.wsgi:app("orders")'`. gunicorn's master never imports
the service, so each worker it restarts after a file changes imports the edited code."""

from flask import Flask

from mercado_platform.service import create_app, spec_of


def app(service: str) -> Flask:
    """The Flask app of `mercado_<service>`, configured from the environment."""
    return create_app(spec_of(service))
