"""The figures /metrics reads from the database at scrape time (`metrics.scrape`), so they are
the same whichever process answers and however many there are: tasks and batches by status,
the queue's depth and oldest task, and each provider's concurrency and pause."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from avatar_data_generator import queue
from avatar_data_generator.generation.providers import NAMES as PROVIDERS
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.queue import providers as shared

log = logging.getLogger(__name__)


class QueueCollector(Collector):
    """Gauges read from the database at scrape time: right under any number of workers."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        """Tasks by status, queue depth, running batches and the oldest pending task's age."""
        from avatar_data_generator.db import db

        by_status = GaugeMetricFamily(
            "avatar_tasks", "Tasks in the database by status.", labels=["status"]
        )
        depth = GaugeMetricFamily("avatar_queue_depth", "Tasks still pending (the seed's figure).")
        batches = GaugeMetricFamily(
            "avatar_batches", "Batches of unfinished tasks by status.", labels=["status"]
        )
        oldest = GaugeMetricFamily(
            "avatar_oldest_pending_task_age_seconds",
            "Age of the oldest task nobody has started (0 when none).",
        )
        up = GaugeMetricFamily("avatar_database_up", "1 when the database answered this scrape.")
        stored = CounterMetricFamily(
            "avatar_personas_stored",
            "Personas stored in the database, all processes and restarts together "
            "(avatar_personas_generated_total counts this process group since it started).",
        )
        try:
            with self.app.app_context(), db.engine.connect() as conn:
                figures = queue.gauges(conn)
        except Exception as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        counts, batch_counts = figures.tasks_by_status, figures.batches_by_status
        for status in TaskStatus:
            by_status.add_metric([status.value], int(counts.get(status.value, 0)))
        depth.add_metric([], int(counts.get(TaskStatus.PENDING.value, 0)))
        for batch_status in ("pending", "running"):
            batches.add_metric([batch_status], int(batch_counts.get(batch_status, 0)))
        oldest.add_metric([], _age_seconds(figures.oldest_pending_created_at))
        stored.add_metric([], figures.personas_stored)
        up.add_metric([], 1)
        yield from (by_status, depth, batches, oldest, stored, up)


#: Providers that run in this process: no concurrency to adapt, never paused.
LOCAL_PROVIDERS = frozenset({"local"})


class ProviderCollector(Collector):
    """Each remote provider's concurrency over the live processes and its pause, from the
    database at scrape time (the same whichever process answers)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Concurrency now and at most, processes, paused (0 or 1) and seconds left."""
        from avatar_data_generator.db import db

        fresh = 3 * float(self.app.config.get("LEASE_SECONDS", 60))
        try:
            with self.app.app_context(), db.engine.connect() as conn:
                limits = shared.live_limits(conn, fresh)
                pauses = {pause.provider: pause for pause in shared.pauses(conn)}
        except Exception as exc:  # avatar_database_up says so; nothing to add here
            log.debug("metrics: provider figures unavailable: %s", exc)
            return
        labels = ["provider"]
        concurrency = GaugeMetricFamily(
            "avatar_provider_concurrency",
            "Provider calls allowed in flight now, summed over live worker processes "
            "(adaptive: cut on 429s, raised after runs of successes).",
            labels=labels,
        )
        maximum = GaugeMetricFamily(
            "avatar_provider_concurrency_maximum",
            "The most calls the live worker processes may have in flight (MULTITHREAD_FLOWISE "
            "each).",
            labels=labels,
        )
        processes = GaugeMetricFamily(
            "avatar_provider_worker_processes",
            "Live worker processes that reported their concurrency for the provider.",
            labels=labels,
        )
        paused = GaugeMetricFamily(
            "avatar_provider_paused",
            "1 while the provider is paused for every process (a Retry-After or an outage).",
            labels=labels,
        )
        left = GaugeMetricFamily(
            "avatar_provider_pause_seconds_left",
            "Seconds until a paused provider is tried again (0 when not paused).",
            labels=labels,
        )
        names = sorted((set(PROVIDERS) - LOCAL_PROVIDERS) | set(limits) | set(pauses))
        for name in names:
            figures = limits.get(name)
            if figures is not None:
                concurrency.add_metric([name], figures["concurrency"])
                maximum.add_metric([name], figures["maximum"])
            processes.add_metric([name], figures["processes"] if figures else 0)
            pause = pauses.get(name)
            paused.add_metric([name], 1 if pause else 0)
            left.add_metric([name], round(pause.seconds_left, 3) if pause else 0.0)
        yield from (concurrency, maximum, processes, paused, left)


def _age_seconds(created: Any) -> float:
    """Seconds since a timestamp that may come back naive (SQLite) or aware (PostgreSQL)."""
    if created is None:
        return 0.0
    from datetime import UTC, datetime

    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - created).total_seconds())
