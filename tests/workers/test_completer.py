"""The batch completer: what waits is stored together, one bad batch fails alone."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DataError

from avatar_data_generator.db import db
from avatar_data_generator.queue import BatchResult, ClaimedBatch
from avatar_data_generator.workers.completer import BatchCompleter
from tests.conftest import AppFactory
from tests.faults.helpers import wait_until
from tests.queue.helpers import claim, lock_waits, persona, submit, task_row


@contextmanager
def task_locked(app: Flask, task_id: str) -> Iterator[None]:
    """Hold a task's row lock, so a group finishing it waits until the block ends."""
    with app.app_context(), db.engine.connect() as conn, conn.begin():
        conn.execute(
            text("SELECT 1 FROM generation_tasks WHERE task_id = :t FOR UPDATE"), {"t": task_id}
        )
        yield


def result(batch: ClaimedBatch, **change: Any) -> BatchResult:
    """A whole batch of distinct personas."""
    rows = [persona(100 * batch.batch_index + i, batch.task_id) | change for i in range(batch.size)]
    return BatchResult(batch, rows, duration=0.01)


def test_batches_waiting_while_a_group_is_stored_go_together(
    make_app: AppFactory, pg_url: str
) -> None:
    """While the first group is held up, five more batches arrive: one statement stores four
    of them, and the second batch of a task waits for the group after."""
    app = make_app(pg_url, DB_POOL_SIZE=4)
    first = submit(app, 2, batch_size=2)
    others = [submit(app, 2, batch_size=2) for _ in range(3)]
    twice = submit(app, 4, batch_size=2)
    batches = claim(app, "me", limit=6)
    assert len(batches) == 6
    with app.app_context():
        completer = BatchCompleter(db.engine, "me", threads=1)
    futures: list[Future[Any]] = []
    try:
        with task_locked(app, first):
            futures.append(completer.submit(result(next(b for b in batches if b.task_id == first))))
            assert wait_until(lambda: lock_waits(app) >= 1, 10)
            futures += [completer.submit(result(b)) for b in batches if b.task_id != first]
        outcomes = [f.result(timeout=10) for f in futures]
    finally:
        completer.close()
    assert all(o is not None for o in outcomes)
    assert (completer.groups, completer.batches) == (3, 6)
    for task_id in [first, *others, twice]:
        assert task_row(app, task_id).status == "data-generated"


def test_a_bad_batch_fails_alone_and_its_group_is_stored(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url, DB_POOL_SIZE=4)
    task_ids = [submit(app, 2, batch_size=2) for _ in range(4)]
    batches = {b.task_id: b for b in claim(app, "me", limit=4)}
    with app.app_context():
        completer = BatchCompleter(db.engine, "me", threads=1)
    try:
        with task_locked(app, task_ids[0]):
            held_up = completer.submit(result(batches[task_ids[0]]))
            assert wait_until(lambda: lock_waits(app) >= 1, 10)
            bad = completer.submit(result(batches[task_ids[1]], date_of_birth="31/31/1990"))
            good = [completer.submit(result(batches[t])) for t in task_ids[2:]]
        assert held_up.result(timeout=10) is not None
        with pytest.raises(DataError):
            bad.result(timeout=10)
        assert all(f.result(timeout=10) is not None for f in good)
    finally:
        completer.close()
    statuses = [task_row(app, t).status for t in task_ids]
    assert statuses == ["data-generated", "generating-data", "data-generated", "data-generated"]
    with app.app_context(), db.engine.connect() as conn:
        lease = conn.execute(
            text("SELECT status, lease_owner FROM generation_batches WHERE task_id = :t"),
            {"t": task_ids[1]},
        ).one()
    assert tuple(lease) == ("running", "me")  # still leased: the worker retries or fails it


def test_after_close_a_batch_is_stored_on_the_calling_thread(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    task_id = submit(app, 2, batch_size=2)
    [batch] = claim(app, "me")
    with app.app_context():
        completer = BatchCompleter(db.engine, "me", threads=1)
    completer.close()
    future = completer.submit(result(batch))
    assert future.done()  # stored before submit returned
    done = future.result()
    assert done is not None and done.task_status == "data-generated"
    assert task_row(app, task_id).generated == 2


def test_closing_several_threads_stores_everything_handed_over(
    make_app: AppFactory, pg_url: str
) -> None:
    """Three threads on one queue, 30 batches of 10 tasks handed over at once, then closed:
    every batch is stored once, every thread has stopped."""
    app = make_app(pg_url, DB_POOL_SIZE=4)
    task_ids = [submit(app, 6, batch_size=2) for _ in range(10)]
    batches = claim(app, "me", limit=30)
    assert len(batches) == 30
    with app.app_context():
        completer = BatchCompleter(db.engine, "me", threads=3)
    futures = [completer.submit(result(b)) for b in batches]
    completer.close(timeout=20)
    assert all(f.done() and f.result() is not None for f in futures)
    assert completer.batches == 30
    assert not any(thread.is_alive() for thread in completer._threads)
    assert {task_row(app, t).status for t in task_ids} == {"data-generated"}
