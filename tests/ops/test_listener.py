"""Scale-out: a worker whose LISTEN connection breaks keeps working, and reconnects."""

from __future__ import annotations

import time

from flask import Flask

from avatar_data_generator import tasks
from avatar_data_generator.workers.runtime import start_worker
from tests.conftest import AppFactory
from tests.ops.helpers import wait_for


def _wait_completed(app: Flask, task_id: str, timeout: float) -> float:
    started = time.monotonic()

    def done() -> bool:
        with app.app_context():
            from avatar_data_generator.db import db

            db.session.rollback()
            return tasks.get_task(task_id).status == "completed"

    wait_for(done, timeout, interval=0.05)
    return time.monotonic() - started


def test_worker_survives_a_broken_listener_and_reconnects(
    make_app: AppFactory, pg_url: str
) -> None:
    # A long poll interval, so only the listener (or its reconnect) can wake the worker quickly.
    app: Flask = make_app(pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=30, LEASE_SECONDS=6)
    runtime = start_worker(app)
    assert runtime is not None and runtime.listener is not None
    listener = runtime.listener
    assert listener.connected.wait(10)

    listener.break_connection()
    wait_for(lambda: listener.reconnects >= 1, 10, interval=0.02)
    with app.app_context():
        first_id = tasks.create_task(count=6, batch_size=3, provider="local")[0].task_id
    # Submitted while the listener is away: the reconnect wakes the dispatcher (and the tick
    # would have, at the latest); the worker itself never stopped.
    assert _wait_completed(app, first_id, 15) < 10
    assert listener.connected.wait(10)
    assert runtime.alive() and runtime.worker.healthy.is_set()

    # Back on LISTEN: a new task is picked up well before the next poll would find it.
    time.sleep(0.3)
    with app.app_context():
        second_id = tasks.create_task(count=3, batch_size=3, provider="local")[0].task_id
    assert _wait_completed(app, second_id, 10) < 5

    # Healthz shows the reconnect.
    body = app.test_client().get("/healthz").get_json()
    assert body["worker"]["listener"] == {"connected": True, "reconnects": listener.reconnects}
