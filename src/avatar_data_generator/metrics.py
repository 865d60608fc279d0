"""Prometheus metrics at /metrics (no login), correct under any number of gunicorn workers.

Counters, histograms and the in-flight gauge are fed by the worker's blinker signals
(`events`). Under gunicorn, `PROMETHEUS_MULTIPROC_DIR` is set by gunicorn.conf.py before the
app is imported, so every process writes its values to files there and a scrape, whichever
worker answers it, sums them all. Queue figures (tasks by status, queue depth, running
batches) are read from the database at scrape time by a custom collector, so they are the
same whichever process answers and however many there are. So are the providers' figures:
their concurrency summed over the live worker processes (`provider_limits`) and whether each is
paused for everyone (`provider_state`), read through `queue.providers` at scrape time.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from avatar_data_generator import events
from avatar_data_generator.metrics_collectors import ProviderCollector, QueueCollector

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# In multiprocess mode every metric opens a file in this directory as it is created; a CLI
# command run with the service's environment (e.g. `db upgrade` in ExecStartPre) may come first.
if os.environ.get(MULTIPROC_ENV):
    os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)

#: This process's own metrics. In multiprocess mode they are exported through the files.
REGISTRY = CollectorRegistry(auto_describe=True)

PERSONAS = Counter(
    "avatar_personas_generated",
    "Personas stored (after validation and de-duplication).",
    registry=REGISTRY,
)
BATCHES = Counter(
    "avatar_batches_stored",
    "Batches whose personas were stored.",
    registry=REGISTRY,
)
#: Seconds, for one provider call (a batch's time is one call's).
CALL_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)
BATCH_SECONDS = Histogram(
    "avatar_batch_duration_seconds",
    "Provider time of one stored batch.",
    buckets=CALL_BUCKETS,
    registry=REGISTRY,
)
TASKS_FINISHED = Counter(
    "avatar_tasks_finished",
    "Tasks that reached completed, failed or cancelled, by status.",
    ["status"],
    registry=REGISTRY,
)
TASK_SECONDS = Histogram(
    "avatar_task_duration_seconds",
    "From a task's first claim to its end, by final status.",
    ["status"],
    buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600),
    registry=REGISTRY,
)
PROVIDER_CALLS = Counter(
    "avatar_provider_calls",
    "Provider calls by provider and outcome (ok, retry, error).",
    ["provider", "outcome"],
    registry=REGISTRY,
)
PROVIDER_SECONDS = Histogram(
    "avatar_provider_call_duration_seconds",
    "Duration of one provider call, by provider.",
    ["provider"],
    buckets=CALL_BUCKETS,
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "avatar_provider_calls_in_flight",
    "Provider calls running now, summed over live processes.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
THROTTLES = Counter(
    "avatar_provider_throttled",
    "Cuts of a provider's concurrency after a 429 or 503 (one per burst), by provider.",
    ["provider"],
    registry=REGISTRY,
)
LEASE_TAKEOVERS = Counter(
    "avatar_lease_takeovers",
    "Expired leases taken back from a worker that stopped renewing them.",
    registry=REGISTRY,
)
LAST_TICK = Gauge(
    "avatar_scheduler_last_tick_timestamp_seconds",
    "Unix time of the newest scheduler tick of any live process.",
    multiprocess_mode="livemax",
    registry=REGISTRY,
)


def _on_provider_call(_sender: Any, **kw: Any) -> None:
    provider = str(kw.get("provider", "unknown"))
    PROVIDER_CALLS.labels(provider=provider, outcome=str(kw.get("outcome", "ok"))).inc()
    PROVIDER_SECONDS.labels(provider=provider).observe(float(kw.get("seconds", 0.0)))


def _on_throttled(_sender: Any, **kw: Any) -> None:
    THROTTLES.labels(provider=str(kw.get("provider", "unknown"))).inc()


def _on_in_flight(_sender: Any, **kw: Any) -> None:
    IN_FLIGHT.inc(int(kw.get("delta", 0)))


def _on_batch_stored(_sender: Any, **kw: Any) -> None:
    PERSONAS.inc(int(kw.get("personas", 0)))
    BATCHES.inc()
    BATCH_SECONDS.observe(float(kw.get("seconds", 0.0)))


def _on_task_finished(_sender: Any, **kw: Any) -> None:
    status = str(kw.get("status", "unknown"))
    TASKS_FINISHED.labels(status=status).inc()
    TASK_SECONDS.labels(status=status).observe(float(kw.get("seconds", 0.0)))


def _on_reclaimed(_sender: Any, **kw: Any) -> None:
    LEASE_TAKEOVERS.inc(int(kw.get("count", 0)))


def _on_tick(_sender: Any, **kw: Any) -> None:
    at = kw.get("at")
    LAST_TICK.set(at.timestamp() if at is not None else time.time())


_RECEIVERS = (
    (events.provider_call_finished, _on_provider_call),
    (events.provider_calls_in_flight, _on_in_flight),
    (events.provider_throttled, _on_throttled),
    (events.batch_stored, _on_batch_stored),
    (events.task_finished, _on_task_finished),
    (events.leases_reclaimed, _on_reclaimed),
    (events.scheduler_ticked, _on_tick),
)


def multiprocess_dir() -> str | None:
    """The metrics directory when prometheus-client runs in multiprocess mode, else None."""
    path = os.environ.get(MULTIPROC_ENV)
    return path if path and os.path.isdir(path) else None


def scrape(app: Flask) -> bytes:
    """The exposition text: process metrics (all processes in multiprocess mode) plus the DB's."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(QueueCollector(app))
    registry.register(ProviderCollector(app))
    return generate_latest(registry)


class _Forward(Collector):
    """Re-exports another registry (single-process mode)."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Any]:
        """Everything the source registry holds."""
        yield from self.source.collect()


@bp.get("/metrics")
def metrics_view() -> Response:
    """Prometheus text; no login, as scrapers expect."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return Response(scrape(app), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Subscribe to the worker's signals (once per process) and serve /metrics."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
    app.register_blueprint(bp)
