"""Housekeeping: end stranded tasks, and prune finished ones older than RETENTION_DAYS.

Every scheduler tick looks for active tasks left without an open batch (none should be: the
check is a net under the queue's own bookkeeping) and completes or fails them, saying so in the
log. Pruning (RETENTION_DAYS, 0 = off) goes a little at a time: it is triggered from the tick
at most once every HOUSEKEEPING_INTERVAL seconds per process, and run by one process at a time
across every host (`pg_try_advisory_lock`: a process that does not get the lock skips, it never
waits). Each batch of tasks is deleted in its own short transaction (batches and results
cascade), so no long lock is held and the claim statement is never blocked for more than a
moment.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine

from avatar_data_generator import events, queue
from avatar_data_generator.db import db, writing
from avatar_data_generator.queue import prune as prune_sql
from avatar_data_generator.queue.locks import advisory_unlock, try_advisory_lock
from avatar_data_generator.workers.postprocess import postprocess_many

log = logging.getLogger(__name__)

LOCK_NAME = "avatar_data_generator.housekeeping"
EXTENSION = "avatar_housekeeping"
DEFAULT_INTERVAL = 600.0
DEFAULT_BATCH = 200
DEFAULT_BUDGET_SECONDS = 10.0


@dataclass
class PruneResult:
    """What one run did: whether it held the lock, tasks and queue samples deleted."""

    ran: bool
    tasks: int = 0
    samples: int = 0
    batches: int = 0


def prune(
    engine: Engine,
    retention_days: int,
    batch_size: int = DEFAULT_BATCH,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
) -> PruneResult:
    """Delete finished tasks (and queue samples) older than `retention_days`, in small batches.

    Returns `ran=False` when retention is off or another process holds the lock.
    """
    if retention_days <= 0:
        return PruneResult(ran=False)
    deadline = time.monotonic() + budget_seconds
    with engine.connect() as conn:
        got = try_advisory_lock(conn, LOCK_NAME)
        conn.commit()
        if not got:
            log.info("Housekeeping skipped: another process is pruning")
            return PruneResult(ran=False)
        result = PruneResult(ran=True)
        try:
            for delete, field in (
                (prune_sql.delete_finished_tasks, "tasks"),
                (prune_sql.delete_queue_samples, "samples"),
            ):
                while time.monotonic() < deadline:
                    deleted = delete(conn, retention_days, batch_size)
                    conn.commit()
                    setattr(result, field, getattr(result, field) + deleted)
                    result.batches += 1
                    if deleted < batch_size:
                        break
        finally:
            conn.rollback()
            advisory_unlock(conn, LOCK_NAME)
            conn.commit()
    if result.tasks or result.samples:
        log.info(
            "Housekeeping: pruned %d finished task(s) and %d queue sample(s) older than %d days",
            result.tasks,
            result.samples,
            retention_days,
        )
    return result


class Housekeeper:
    """Runs `prune` from the scheduler tick, at most once per interval, never two at once."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.interval = float(app.config.get("HOUSEKEEPING_INTERVAL", DEFAULT_INTERVAL))
        self.last_run: float | None = None
        self.last_result: PruneResult | None = None
        self._lock = threading.Lock()

    def settle_stranded(self) -> list[queue.Settled]:
        """End active tasks left without an open batch, and post-process those whose last
        batch's worker stopped before it could; each is logged (errors too, not raised)."""
        grace = max(60.0, 2 * float(self.app.config.get("LEASE_SECONDS", 60)))
        try:
            with self.app.app_context():
                engine = writing(db.engine)
            with engine.begin() as conn:
                settled = queue.settle_stranded_tasks(conn, grace)
                waiting = queue.waiting_postprocessing(conn, grace)
            postprocess_many(engine, list(dict.fromkeys([*(t.task_id for t in settled), *waiting])))
        except Exception as exc:
            log.error("[ERROR] Housekeeping could not look for stranded tasks: %s", exc)
            return []
        for task in settled:
            log.warning(
                "Housekeeping: task %s had no batch left at %d of %d personas; set to %s",
                task.task_id,
                task.generated,
                task.requested,
                task.status,
                extra={"task_id": task.task_id},
            )
        return settled

    def due(self) -> bool:
        """Whether enough time passed since this process last pruned."""
        return self.last_run is None or time.monotonic() - self.last_run >= self.interval

    def maybe_run(self) -> PruneResult | None:
        """Prune if retention is on and the interval has passed; errors are logged, not raised."""
        days = int(self.app.config.get("RETENTION_DAYS", 0) or 0)
        if days <= 0 or not self.due() or not self._lock.acquire(blocking=False):
            return None
        try:
            self.last_run = time.monotonic()
            with self.app.app_context():
                engine = db.engine
            self.last_result = prune(
                engine,
                days,
                int(self.app.config.get("HOUSEKEEPING_BATCH", DEFAULT_BATCH)),
            )
            return self.last_result
        except Exception as exc:
            log.error("[ERROR] Housekeeping failed: %s", exc)
            return None
        finally:
            self._lock.release()


def _on_tick(sender: Any, **_kw: Any) -> None:
    """The scheduler ticked in some app of this process: let that app's housekeeper look."""
    app = getattr(sender, "app", None)
    if app is None:
        return
    keeper = app.extensions.get(EXTENSION)
    if keeper is not None:
        keeper.settle_stranded()
        keeper.maybe_run()


def init_app(app: Flask) -> None:
    """Attach a housekeeper to the app and listen to the scheduler tick (once per process)."""
    app.extensions[EXTENSION] = Housekeeper(app)
    events.scheduler_ticked.connect(_on_tick, weak=False)
