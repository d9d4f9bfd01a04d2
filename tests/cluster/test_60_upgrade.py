"""`helm upgrade` to a new image tag while customers order: the migrations run, every
Deployment rolls to the new tag, and no POST is answered 5xx meanwhile (readiness, the
API pods' preStop drain and gunicorn's graceful stop make that so); no order is lost or
applied twice."""

import uuid

from mercado_platform.testing.polling import eventually

from ..e2e.client import register
from .node import CONTEXT, ROOT, timed
from .shop import Stream, auditor, stocked


def test_a_rolling_upgrade_to_a_new_tag_answers_every_order(mercado, api, admin):
    tag = f"{mercado.tag}-v2"
    timed("images as a new tag (cached)", str(ROOT / "hack/cluster/images.sh"), "mercado", tag)
    product = stocked(admin, f"upgrade-{uuid.uuid4().hex[:8]}", "9.99", 5000)
    stream = Stream(register(api), product, interval=0.25, limit=2000).start()
    eventually(lambda: len(stream.accepted) >= 10, timeout=120, what="orders flowing")
    timed(
        "helm upgrade to a new tag, rolled out",
        str(ROOT / "hack/install-charts.sh"),
        CONTEXT,
        "node",
        env={**mercado.env, "TAG": tag, "TIMEOUT": "15m"},
    )
    mercado.wait_rolled_out()
    stream.stop()

    assert stream.failures == [], (stream.answers, stream.failures[:5])
    assert len(stream.accepted) >= 50, stream.answers
    pods = mercado.get("pods", "-l", "app.kubernetes.io/part-of=mercado")["items"]
    stale = [  # pods still serving an old image (terminating ones are on their way out)
        (p["metadata"]["name"], [c["image"] for c in p["spec"]["containers"]])
        for p in pods
        if not p["metadata"]["name"].startswith("mercado-gateway")
        and p["status"]["phase"] == "Running"
        and "deletionTimestamp" not in p["metadata"]
        and any(not c["image"].endswith(f":{tag}") for c in p["spec"]["containers"])
    ]
    assert not stale, stale
    with auditor(mercado) as audit:
        audit.accepted = set(stream.accepted)
        audit.settle(timeout=240)
