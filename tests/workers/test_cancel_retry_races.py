"""Cancel and retry race batches being stored by real worker processes on one PostgreSQL.

Before the fix a retry read its task over several statements without locking it: a batch
stored in between was lost from the count (a task stuck at 59/60 batches forever) or planned
again (10,020 personas for 10,000 asked).
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from avatar_data_generator import tasks
from tests.conftest import AppFactory, cli_env, worker_processes
from tests.faults.helpers import flowise_config, rows, scalar, wait_until

pytestmark = pytest.mark.slow


def cancel_then_retry(app: Flask, task_id: str) -> None:
    """What a user does: cancel, then retry; either may find the task already finished."""
    with app.app_context():
        try:
            tasks.cancel_task(task_id)
        except tasks.TaskStateError:
            return  # completed before the cancel
        tasks.retry_task(task_id)


def assert_whole(app: Flask, task_id: str) -> None:
    """Completed with exactly its count, and its counters agree with its batch rows."""
    [task] = rows(
        app,
        "SELECT status, requested, generated, batches_done, batches_total, error"
        " FROM generation_tasks WHERE task_id = :t",
        t=task_id,
    )
    assert task.status == "completed", task
    stored = scalar(app, "SELECT count(*) FROM generation_results WHERE task_id = :t", t=task_id)
    assert stored == task.generated == task.requested
    [batches] = rows(
        app,
        "SELECT count(*) AS total, sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done,"
        " sum(CASE WHEN status = 'done' THEN generated ELSE 0 END) AS generated,"
        " sum(CASE WHEN status IN ('pending', 'running') THEN 1 ELSE 0 END) AS open"
        " FROM generation_batches WHERE task_id = :t",
        t=task_id,
    )
    assert (batches.done, batches.total, batches.generated, batches.open) == (
        task.batches_done,
        task.batches_total,
        task.requested,
        0,
    )


def test_cancel_and_retry_while_three_workers_store_batches(
    make_app: AppFactory, pg_url: str, flowise: Any, tmp_path: Path
) -> None:
    flowise.delay = 0.2
    app = make_app(pg_url, **flowise_config(flowise.url))
    rng = random.Random(7)
    env = cli_env(pg_url, **flowise_config(flowise.url), MULTITHREAD_FLOWISE=4, WORKER_INTERVAL=1)
    with worker_processes(3, env, tmp_path) as procs:
        with app.app_context():
            big = tasks.create_task(count=3000, batch_size=10, provider="flowise")[0].task_id
        cycles = 0
        while cycles < 20:
            time.sleep(rng.uniform(0.1, 0.4))
            cancel_then_retry(app, big)
            cycles += 1
        # Small tasks cancelled 0.3-0.9 s after submit, while their first batches run.
        small = []
        for _ in range(30):
            with app.app_context():
                small.append(tasks.create_task(count=40, batch_size=10, provider="flowise")[0])
        for task in small:
            time.sleep(rng.uniform(0.01, 0.03))
            cancel_then_retry(app, task.task_id)
        every = [big, *(t.task_id for t in small)]
        finished = wait_until(
            lambda: (
                scalar(
                    app,
                    "SELECT count(*) FROM generation_tasks WHERE status NOT IN ('completed')",
                )
                == 0
            ),
            180,
            0.5,
        )
        for proc in procs:
            assert proc.poll() is None, proc.communicate()[0][-3000:]
    assert finished, rows(app, "SELECT task_id, status, generated, requested FROM generation_tasks")
    for task_id in every:
        assert_whole(app, task_id)
    assert scalar(app, "SELECT count(*) FROM generation_results") == 3000 + 30 * 40
