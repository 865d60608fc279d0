"""The dispatcher: an empty claim while work waits does not idle the process until the tick."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.workers.dispatcher import CLAIM_AHEAD, Dispatcher
from avatar_data_generator.workers.runtime import start_worker
from tests.conftest import AppFactory
from tests.workers.test_multiprocess import scalar, wait_until


def test_a_claim_that_lost_a_race_looks_again_before_the_tick(
    make_app: AppFactory, pg_url: str
) -> None:
    """Every waiting batch is row-locked by someone else when the worker starts, so its first
    claims come back empty; with no NOTIFY and a 60 s tick, only looking again finds the work
    once the locks go."""
    app = make_app(pg_url, WORKER_IN_TESTS=True, WORKER_WAKEUP=False, WORKER_INTERVAL=60)
    with app.app_context():
        tasks.create_task(count=20, batch_size=10, provider="local")
        holder = db.engine.connect()
        tx = holder.begin()
        locked = holder.execute(
            text("SELECT id FROM generation_batches WHERE status = 'pending' FOR UPDATE")
        ).all()
    assert len(locked) == 2
    runtime = start_worker(app)
    assert runtime is not None
    try:
        time.sleep(1.0)  # the start-up claim and its retries all find the rows locked
        assert scalar(app, "SELECT count(*) FROM generation_batches WHERE status = 'pending'") == 2
        assert runtime.dispatcher.claims == 0
        tx.rollback()
        holder.close()
        done = "SELECT count(*) FROM generation_tasks WHERE status = 'completed'"
        assert wait_until(lambda: scalar(app, done) == 1, 20)  # well inside the 60 s tick
    finally:
        runtime.shutdown(5.0)


class _FakeWorker:
    """Hands out `total` batches that each run for `seconds`; records how many were held at once."""

    def __init__(self, total: int, seconds: float) -> None:
        self.stopping = threading.Event()
        self.on_reclaimed: list[Any] = []
        self.on_batch_done: list[Any] = []
        self.left = total
        self.seconds = seconds
        self.held = 0
        self.most_held = 0
        self.limits: list[int] = []
        self.lock = threading.Lock()
        self.all_done = threading.Event()
        self.calls = self  # no remote provider limits the local batches here

    def capacity(self, threads: int) -> int:
        """As the local provider: every thread."""
        return threads

    def start_heartbeat(self) -> None:
        """No leases to renew here."""

    def release_all(self) -> int:
        """Nothing is left over when the test stops the dispatcher."""
        return 0

    def stop(self) -> None:
        self.stopping.set()

    def in_flight(self) -> list[Any]:
        with self.lock:
            return [None] * self.held

    def claim(self, limit: int) -> list[Any]:
        with self.lock:
            self.limits.append(limit)
            n = min(limit, self.left)
            self.left -= n
            self.held += n
            self.most_held = max(self.most_held, self.held)
            return [object() for _ in range(n)]

    def run_batch(self, _batch: Any) -> None:
        time.sleep(self.seconds)
        with self.lock:
            self.held -= 1
            if self.left == 0 and self.held == 0:
                self.all_done.set()
        for callback in self.on_batch_done:
            callback()


@pytest.mark.parametrize(("seconds", "ahead"), [(0.002, True), (0.1, False)])
def test_fast_batches_are_claimed_a_completer_group_ahead_slow_ones_are_not(
    seconds: float, ahead: bool
) -> None:
    worker = _FakeWorker(total=3 + CLAIM_AHEAD + 5 if ahead else 12, seconds=seconds)
    dispatcher = Dispatcher(worker, threads=3, poll_interval=0.05)  # type: ignore[arg-type]
    dispatcher.start()
    try:
        assert worker.all_done.wait(20)
    finally:
        dispatcher.stop(1.0)
    if ahead:
        assert worker.most_held == 3 + CLAIM_AHEAD, worker.limits
    else:
        assert worker.most_held == 3, worker.limits
