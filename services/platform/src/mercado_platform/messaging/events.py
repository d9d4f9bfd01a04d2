"""CloudEvents 1.0 envelopes (structured JSON mode) carrying the W3C trace context."""

import contextvars
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

SPECVERSION = "1.0"
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

current_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_trace", default=None
)


def child_traceparent(parent: str | None = None) -> str:
    """A traceparent in the same trace as `parent` (or the current one: the span in
    progress when tracing is on, else `current_trace`), with a new span id."""
    if parent is None:
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            return f"00-{span.trace_id:032x}-{secrets.token_hex(8)}-{span.trace_flags:02x}"
    match = _TRACEPARENT.match(parent or current_trace.get() or "")
    trace_id = match[1] if match else secrets.token_hex(16)
    flags = match[3] if match else "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def valid_traceparent(value: str | None) -> str | None:
    """`value` if it is a well-formed version-00 traceparent, else None."""
    return value if value and _TRACEPARENT.match(value) else None


@dataclass(frozen=True)
class Event:
    """One fact that happened, as published: `type` is also the routing key."""

    type: str
    data: dict[str, Any]
    source: str
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    subject: str | None = None
    traceparent: str = field(default_factory=child_traceparent)

    @property
    def dataschema(self) -> str:
        """Where the JSON Schema of this event's data is named."""
        return f"urn:mercado:event:{self.type}:v{self.version}"

    def to_json(self) -> bytes:
        """The structured-mode CloudEvents JSON document."""
        document = {
            "specversion": SPECVERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "datacontenttype": "application/json",
            "dataschema": self.dataschema,
            "traceparent": self.traceparent,
            "data": self.data,
        }
        if self.subject is not None:
            document["subject"] = self.subject
        return json.dumps(document, separators=(",", ":"), default=str).encode()

    @classmethod
    def from_json(cls, body: bytes) -> "Event":
        """Parse a structured-mode document; raises ValueError when it is not one."""
        document = json.loads(body)
        if not isinstance(document, dict) or document.get("specversion") != SPECVERSION:
            raise ValueError("not a CloudEvents 1.0 structured-mode document")
        missing = {"id", "source", "type", "data"} - document.keys()
        if missing:
            raise ValueError(f"CloudEvent lacks {', '.join(sorted(missing))}")
        version = str(document.get("dataschema", ":v1")).rsplit(":v", 1)[-1]
        return cls(
            type=document["type"],
            data=document["data"],
            source=document["source"],
            version=int(version) if version.isdigit() else 1,
            id=document["id"],
            time=document.get("time", ""),
            subject=document.get("subject"),
            traceparent=valid_traceparent(document.get("traceparent")) or child_traceparent(),
        )
