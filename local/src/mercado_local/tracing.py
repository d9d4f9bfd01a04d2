"""Where local mode's traces go: an OpenTelemetry Collector (OTLP over HTTP in, batched, a
JSON-lines file export beside) in front of Jaeger (OTLP in, traces kept in memory, its query
API and a trace page), both Go tools built by hack/tools.sh, on free loopback ports."""

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from mercado_platform.testing.kube import tool
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until

VIEW = Path(__file__).parent / "trace_view"
TOOLS = ("otelcol", "jaeger")


def available() -> bool:
    """Whether both tools were built (`make tools`)."""
    try:
        return all(tool(name) for name in TOOLS)
    except RuntimeError:
        return False


@dataclass
class TraceStore:
    """The collector and Jaeger as processes, their configuration and logs under `workdir`."""

    workdir: Path
    sampler: str = "parentbased_always_on"
    sampler_arg: str = ""
    ports: dict[str, int] = field(
        default_factory=lambda: {n: free_port() for n in ("otlp", "jaeger_otlp", "ui", "ui_grpc")}
    )
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def ui(self) -> str:
        """Base URL of Jaeger's query API and trace pages."""
        return f"http://127.0.0.1:{self.ports['ui']}"

    @property
    def export(self) -> Path:
        """The collector's file export: one OTLP JSON document per line."""
        return self.workdir / "traces.jsonl"

    def link(self, trace_id: str) -> str:
        """Where one trace can be seen."""
        return f"{self.ui}/trace/{trace_id}"

    def settings(self) -> dict[str, str]:
        """The standard OTEL_* variables that send a service's spans here, quickly."""
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.ports['otlp']}",
            "OTEL_TRACES_SAMPLER": self.sampler,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        if self.sampler_arg:
            env["OTEL_TRACES_SAMPLER_ARG"] = self.sampler_arg
        return env

    def start(self) -> "TraceStore":
        """Jaeger first (the collector exports to it), each until it answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._run("jaeger", self._jaeger_config(), lambda: self.get("/api/services") is not None)
        self._run("otelcol", self._collector_config(), self._collector_ready)
        return self

    def stop(self) -> None:
        """Stop the collector (it flushes to Jaeger), then Jaeger."""
        for name in reversed(TOOLS):
            stop_process(self.processes.pop(name, None))

    def get(self, path: str, **params: Any) -> Any:
        """A document of Jaeger's query API, or None when it does not answer it."""
        try:
            answer = requests.get(f"{self.ui}{path}", params=params, timeout=5)
        except requests.RequestException:
            return None
        return answer.json() if answer.status_code == 200 else None

    def spans(self, trace_id: str) -> list[dict[str, Any]]:
        """Every span Jaeger holds of a trace, each with its `serviceName`."""
        found = self.get(f"/api/traces/{trace_id}")
        if not found or not found.get("data"):
            return []
        trace = found["data"][0]
        processes = trace["processes"]
        return [
            {**span, "serviceName": processes[span["processID"]]["serviceName"]}
            for span in trace["spans"]
        ]

    def _run(self, name: str, config: dict[str, Any], ready: Any) -> None:
        path = self.workdir / f"{name}.yaml"
        path.write_text(json.dumps(config, indent=2))  # JSON is YAML
        log = self.workdir / f"{name}.log"
        self.processes[name] = spawn([tool(name), "--config", str(path)], log=log)
        wait_until(ready, timeout=60, what=name, process=self.processes[name], log=log)

    def _collector_ready(self) -> bool:
        # an empty OTLP request: 200 once the receiver listens
        url = f"http://127.0.0.1:{self.ports['otlp']}/v1/traces"
        return requests.post(url, json={}, timeout=1).status_code == 200

    def _jaeger_config(self) -> dict[str, Any]:
        return {
            "service": {
                "extensions": ["jaeger_storage", "jaeger_query"],
                "pipelines": {
                    "traces": {
                        "receivers": ["otlp"],
                        "processors": ["batch"],
                        "exporters": ["jaeger_storage_exporter"],
                    }
                },
                "telemetry": {"metrics": {"level": "none"}, "logs": {"level": "warn"}},
            },
            "extensions": {
                "jaeger_storage": {"backends": {"memory": {"memory": {"max_traces": 100_000}}}},
                "jaeger_query": {
                    "storage": {"traces": "memory"},
                    "ui": {"assets_path": str(VIEW)},
                    "http": {"endpoint": f"127.0.0.1:{self.ports['ui']}"},
                    "grpc": {"endpoint": f"127.0.0.1:{self.ports['ui_grpc']}"},
                },
            },
            "receivers": {
                "otlp": {
                    "protocols": {"grpc": {"endpoint": f"127.0.0.1:{self.ports['jaeger_otlp']}"}}
                }
            },
            "processors": {"batch": {"timeout": "100ms"}},
            "exporters": {"jaeger_storage_exporter": {"trace_storage": "memory"}},
        }

    def _collector_config(self) -> dict[str, Any]:
        return {
            "receivers": {
                "otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{self.ports['otlp']}"}}}
            },
            "processors": {"batch": {"timeout": "100ms"}},
            "exporters": {
                "otlp": {
                    "endpoint": f"127.0.0.1:{self.ports['jaeger_otlp']}",
                    "tls": {"insecure": True},
                },
                "file": {"path": str(self.export)},
            },
            "service": {
                "pipelines": {
                    "traces": {
                        "receivers": ["otlp"],
                        "processors": ["batch"],
                        "exporters": ["otlp", "file"],
                    }
                },
                "telemetry": {"metrics": {"level": "none"}, "logs": {"level": "warn"}},
            },
        }
