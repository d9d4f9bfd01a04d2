"""The operator's reactions, one small function each, and the one place that registers them.

Both kinds share them: a change or a restart reconciles, a timer repairs drift, deletion
honours the deletion policy behind a finalizer.
"""

import logging
from typing import Any

import kopf
from kubernetes.client import CoreV1Api

from mercado_operator import databases, topologies
from mercado_operator.adapters.secrets import Secrets, kube_client
from mercado_operator.config import OperatorSettings
from mercado_operator.metrics import OperatorMetrics
from mercado_operator.reconciling import run

GROUP, VERSION = "mercado.dev", "v1alpha1"
PLURALS = ("databases", "messagingtopologies")
KINDS = {"Database": databases, "MessagingTopology": topologies}
STORAGE_PREFIX = "operator.mercado.dev"


def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """Tune kopf, then build the Kubernetes client and metrics every reaction shares."""
    own: OperatorSettings = memo.settings
    settings.watching.server_timeout = own.watch_server_timeout_seconds
    settings.watching.client_timeout = own.watch_server_timeout_seconds + 30
    settings.watching.connect_timeout = 30
    settings.posting.level = logging.WARNING  # Normal events are our own, one per change
    settings.posting.reporting_component = "mercado-operator"
    settings.persistence.finalizer = "mercado.dev/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=STORAGE_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=STORAGE_PREFIX, key="last-handled-configuration"
    )
    memo.secrets = Secrets(CoreV1Api(kube_client()))
    memo.metrics = OperatorMetrics()
    memo.metrics.serve(own.metrics_port)


def reconcile(
    body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """Make the servers match the spec: on creation, on a spec change, on operator restart."""
    run(KINDS[body["kind"]].provision, body, patch, memo, logger, trigger="change")


def repair(
    body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """Check everything again and re-create what was removed or changed behind our back."""
    run(KINDS[body["kind"]].provision, body, patch, memo, logger, trigger="drift")


def clean_up(
    body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    """Keep or remove what the resource made, as its deletionPolicy says."""
    run(KINDS[body["kind"]].deprovision, body, patch, memo, logger, trigger="delete")


def register(registry: kopf.OperatorRegistry, settings: OperatorSettings) -> None:
    """Register every reaction in `registry`; the timer runs every drift interval."""
    kopf.on.login(registry=registry)(kopf.login_via_client)  # in-cluster, else KUBECONFIG
    kopf.on.startup(registry=registry)(configure)
    interval = settings.drift_interval_seconds
    for plural in PLURALS:
        kopf.on.create(GROUP, VERSION, plural, registry=registry)(reconcile)
        kopf.on.update(GROUP, VERSION, plural, field="spec", registry=registry)(reconcile)
        kopf.on.resume(GROUP, VERSION, plural, registry=registry)(reconcile)
        kopf.timer(
            GROUP, VERSION, plural, interval=interval, initial_delay=interval, registry=registry
        )(repair)
        kopf.on.delete(GROUP, VERSION, plural, registry=registry)(clean_up)
