"""The gunicorn application that serves every service's Flask app."""

import gc

from flask import Flask

from mercado_platform.gunicorn import _Server


def test_a_worker_keeps_its_loaded_app_out_of_garbage_collections():
    before = gc.get_freeze_count()
    try:
        app = _Server(lambda: Flask("shop"), {"bind": "127.0.0.1:0"}).load()
        assert app.name == "shop"
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
