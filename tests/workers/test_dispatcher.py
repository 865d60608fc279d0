"""The dispatcher: an empty claim while work waits does not idle the process until the tick."""

from __future__ import annotations

import time

from sqlalchemy import text

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.scheduler import start_worker
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
