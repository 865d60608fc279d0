"""The in-process worker's lifecycle: APScheduler tick, dispatcher, wake-up listener, guards."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from avatar_data_generator import events, queue
from avatar_data_generator.db import db, writing
from avatar_data_generator.workers.dispatcher import Dispatcher
from avatar_data_generator.workers.listener import WakeupListener
from avatar_data_generator.workers.runner import Worker

log = logging.getLogger(__name__)

EXTENSION = "avatar_worker"
SQLITE_POLL_SECONDS = 1.0


@dataclass
class WorkerRuntime:
    """Everything one process runs to work the queue, kept in `app.extensions`."""

    app: Flask
    worker: Worker
    dispatcher: Dispatcher
    scheduler: BackgroundScheduler
    listener: WakeupListener | None
    scheduler_interval: float = 30.0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_tick: datetime | None = None
    _stopped: threading.Event = field(default_factory=threading.Event)

    def tick(self) -> None:
        """The scheduler's job: wake the dispatcher and run the idempotent chores."""
        self.last_tick = datetime.now(UTC)
        self.dispatcher.wake()
        with self.app.app_context():
            try:
                with writing(db.engine).begin() as conn:
                    # Every process ticks; the dashboard wants one sample per interval.
                    queue.record_queue_sample(conn, self.scheduler_interval * 0.9)
            except Exception:
                log.exception("[ERROR] Scheduler tick could not sample the queue")
        events.scheduler_ticked.send(self, at=self.last_tick)

    def alive(self) -> bool:
        """Whether the scheduler and the dispatcher are both running."""
        return bool(self.scheduler.running) and not self.worker.stopping.is_set()

    def shutdown(self, graceful_timeout: float = 30.0) -> None:
        """Stop claiming, let in-flight batches finish within the timeout, release the rest."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        log.info(
            "[SCHEDULER] Shutting down: finishing %d running batch(es) within %.0fs",
            self.dispatcher.busy(),
            graceful_timeout,
        )
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.dispatcher.stop(graceful_timeout)
        if self.listener is not None:
            self.listener.stop()


def should_start(app: Flask) -> tuple[bool, str]:
    """Whether this process may run the worker, and why not."""
    if not app.config.get("WORKER_ENABLED", True):
        return False, "WORKER_ENABLED is false"
    if app.testing and not app.config.get("WORKER_IN_TESTS"):
        return False, "testing"
    # Under the Werkzeug reloader only the child (WERKZEUG_RUN_MAIN=true) serves requests.
    if os.environ.get("WERKZEUG_SERVER_FD") and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return False, "reloader parent"
    return True, ""


def start_worker(app: Flask) -> WorkerRuntime | None:
    """Start this process's worker once: dispatcher, listener and the APScheduler tick."""
    existing = app.extensions.get(EXTENSION)
    if existing is not None:
        return existing
    ok, why = should_start(app)
    if not ok:
        log.info("[SCHEDULER] Worker not started (%s)", why)
        return None
    cfg = app.config
    interval = float(cfg["WORKER_INTERVAL"])
    worker = Worker(app)
    postgres = worker.engine.dialect.name == "postgresql"
    # SQLite has no NOTIFY: a submit from another process (the CLI beside `make run`) is seen
    # by a cheap local poll each second instead of waiting for the next tick.
    poll = interval if postgres else min(interval, SQLITE_POLL_SECONDS)
    dispatcher = Dispatcher(worker, int(cfg["MULTITHREAD_FLOWISE"]), poll_interval=poll)
    listener = None
    if cfg.get("WORKER_WAKEUP", True) and postgres:
        listener = WakeupListener(worker.engine, dispatcher.wake)
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    runtime = WorkerRuntime(app, worker, dispatcher, scheduler, listener, interval)
    scheduler.add_job(
        runtime.tick,
        "interval",
        seconds=interval,
        id="avatar-worker-tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    app.extensions[EXTENSION] = runtime
    _warm_up(worker, str(cfg["GENERATOR_PROVIDER"]))
    dispatcher.start()
    if listener is not None:
        listener.start()
    scheduler.start()
    atexit.register(runtime.shutdown, 5.0)
    log.info(
        "[SCHEDULER] Background scheduler started - checking for tasks every %s seconds",
        f"{interval:g}",
        extra={"owner": worker.owner},
    )
    return runtime


def _warm_up(worker: Worker, provider: str) -> None:
    """Build the default provider now, so the first batches do not pay for it in parallel.

    The local provider is left lazy: its locale data costs memory an idle process should not
    carry (see scheduler_idle_rss_mb in docs/benchmarks.md).
    """
    if provider == "local":
        return
    try:
        worker.provider(provider)
    except Exception as exc:  # a misconfigured provider fails its tasks with the reason
        log.warning("[SCHEDULER] Provider %s is not usable yet: %s", provider, exc)


def runtime_for(app: Flask) -> WorkerRuntime | None:
    """This process's worker runtime, if it runs one."""
    return app.extensions.get(EXTENSION)


def init_app(app: Flask) -> None:
    """Reserve the slot; nothing starts here: `serve`, `worker` and gunicorn's post-fork hook do."""
    app.extensions[EXTENSION] = None
