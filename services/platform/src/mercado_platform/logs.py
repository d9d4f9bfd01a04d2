"""Structured JSON logs that carry the request id of the request being served, and the
trace id and span id of the work in progress."""

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

from mercado_platform.messaging.events import current_trace, valid_traceparent
from mercado_platform.tracing import current_ids

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, trace and span
    ids, extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        ids = _trace_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record to stderr as JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every failed connection step at ERROR; our retry hooks report outages once
    logging.getLogger("pika").setLevel(logging.CRITICAL)


def request_id_for(incoming: str) -> str:
    """The caller's request id when it is a sane token, otherwise a new one."""
    return incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex


def init_request_ids(app: Flask) -> None:
    """Take X-Request-ID from the caller (or make one), log it, and echo it back."""
    access = logging.getLogger("mercado.access")

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        g.request_started = time.perf_counter()
        g.request_id_token = request_id_var.set(g.request_id)
        # untraced, the caller's trace still goes on in the events this request causes
        traceparent = valid_traceparent(request.headers.get("traceparent"))
        if traceparent is not None:
            g.trace_token = current_trace.set(traceparent)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        access.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": round(elapsed_ms, 2)},
        )
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
        trace_token = g.pop("trace_token", None)
        if trace_token is not None:
            current_trace.reset(trace_token)


def _trace_ids() -> tuple[str, str] | None:
    """The span in progress (tracing on), else the trace context being continued."""
    ids = current_ids()
    if ids is not None:
        return ids
    traceparent = current_trace.get()
    if traceparent is None:
        return None
    _version, trace_id, span_id, _flags = traceparent.split("-")
    return trace_id, span_id
