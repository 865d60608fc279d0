"""Cancel and retry: a cancelled task takes nothing more; a retry requeues only what is missing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from avatar_data_generator import queue, tasks
from avatar_data_generator.db import db
from tests.conftest import AppFactory
from tests.queue.helpers import claim, finish, persona, submit, task_row


def test_cancel_stops_handing_out_batches(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 30)
    [running] = claim(app, "a")
    with app.app_context():
        cancelled = tasks.cancel_task(task_id)
        assert cancelled.status == "cancelled" and cancelled.finished_at is not None
        with pytest.raises(tasks.TaskStateError):
            tasks.cancel_task(task_id)
    assert claim(app, "a", limit=5) == []
    # The batch that was already running comes back into an ended task: nothing is stored, and
    # the batch is cancelled, for a retry to requeue.
    done = finish(app, running, "a", [persona(i) for i in range(10)])
    assert done is not None and (done.task_status, done.inserted) == ("cancelled", 0)
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_done) == ("cancelled", 0, 0)
    with app.app_context(), db.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT status FROM generation_batches WHERE id = :id"), {"id": running.id}
            ).scalar_one()
            == "cancelled"
        )
        assert (
            conn.execute(
                text("SELECT count(*) FROM generation_results WHERE task_id = :t"), {"t": task_id}
            ).scalar_one()
            == 0
        )


def test_retry_generates_only_what_is_missing(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 30)
    [b0] = claim(app, "a")
    finish(app, b0, "a", [persona(i) for i in range(10)])
    [b1] = claim(app, "a")
    with app.app_context(), db.engine.begin() as conn:
        queue.fail_batch(conn, b1, "a", "HTTP 401 Unauthorized")
    row = task_row(app, task_id)
    assert row.status == "failed" and "Unauthorized" in row.error
    with app.app_context():
        with pytest.raises(tasks.TaskStateError):
            tasks.cancel_task(task_id)  # already finished
        retried = tasks.retry_task(task_id)
    assert retried.status == "pending" and retried.error is None and retried.finished_at is None
    again = claim(app, "a", limit=10)
    assert sorted(b.batch_index for b in again) == [1, 2]  # batch 0 is not redone
    for b in again:
        finish(app, b, "a", [persona(100 + 10 * b.batch_index + i) for i in range(10)])
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_done) == ("data-generated", 30, 3)


def test_a_batch_back_after_cancel_is_requeued_by_retry(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 10)
    [running] = claim(app, "a")
    with app.app_context():
        tasks.cancel_task(task_id)
    finish(app, running, "a", [persona(i) for i in range(10)])  # back after the cancel
    with app.app_context():
        retried = tasks.retry_task(task_id)
    assert (retried.status, retried.generated, retried.batches_total) == ("pending", 0, 1)
    [again] = claim(app, "b")
    assert (again.id, again.attempts) == (running.id, 1)
    done = finish(app, again, "b", [persona(i) for i in range(10)])
    assert done is not None and done.task_status == "data-generated"
    assert task_row(app, task_id).generated == 10


def test_retry_of_a_failed_task_whose_personas_are_all_stored_completes_it(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    task_id = submit(app, 10)
    [running] = claim(app, "a")
    finish(app, running, "a", [persona(i) for i in range(10)])
    with app.app_context(), db.engine.begin() as conn:
        # As a housekeeping check or an operator might leave it: every persona, yet failed.
        conn.execute(
            text("UPDATE generation_tasks SET status = 'failed' WHERE task_id = :t"), {"t": task_id}
        )
    with app.app_context():
        retried = tasks.retry_task(task_id)
    assert (retried.status, retried.generated) == ("completed", 10)
    assert retried.finished_at is not None


def test_a_batch_finishing_after_cancel_and_retry_stores_into_the_running_task(
    make_app: AppFactory, any_url: str
) -> None:
    """Retry requeues what is missing; a batch still running from before stores once retried."""
    app = make_app(any_url)
    task_id = submit(app, 20)
    first, second = claim(app, "a", limit=2)
    with app.app_context():
        tasks.cancel_task(task_id)
    assert finish(app, first, "a", [persona(i) for i in range(10)]).inserted == 0
    with app.app_context():
        assert tasks.retry_task(task_id).status == "pending"  # `second` still runs
    done = finish(app, second, "a", [persona(i) for i in range(10, 20)])
    assert done is not None and (done.task_status, done.inserted) == ("pending", 10)
    [again] = claim(app, "b")
    assert again.id == first.id
    done = finish(app, again, "b", [persona(i) for i in range(10)])
    assert done is not None and done.task_status == "data-generated"
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_done) == ("data-generated", 20, 2)
    assert row.started_at is not None and row.finished_at is None  # post-processing is next
