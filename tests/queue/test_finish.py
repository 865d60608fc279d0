"""Finishing: fenced, exactly once, top-ups, groups of batches, no deadlocks, never overfilled."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text

from avatar_data_generator import queue
from avatar_data_generator.db import db
from avatar_data_generator.queue import ClaimedBatch
from tests.conftest import AppFactory
from tests.faults.helpers import wait_until
from tests.queue.helpers import (
    at_once,
    claim,
    finish,
    lock_waits,
    persona,
    submit,
    task_row,
)


def test_finish_is_fenced_and_a_replay_writes_nothing(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 3, batch_size=3)
    [batch] = claim(app, "a")
    rows = [persona(i) for i in range(3)]
    done = finish(app, batch, "a", rows)
    assert done is not None and done.inserted == 3 and done.task_status == "data-generated"
    assert finish(app, batch, "a", rows) is None  # lease gone: refused
    with app.app_context(), db.engine.begin() as conn:
        assert queue.store_personas(conn, task_id, batch.batch_index, rows) == 0
        count = conn.execute(text("SELECT count(*) FROM generation_results")).scalar_one()
    assert count == 3
    row = task_row(app, task_id)
    assert (row.generated, row.batches_done, row.status) == (3, 1, "data-generated")
    assert row.started_at is not None and row.finished_at is None  # post-processing is next
    with app.app_context(), db.engine.begin() as conn:
        seconds = queue.complete_tasks(conn, {task_id: {"violations": {}}})[task_id]
        assert queue.complete_tasks(conn, {task_id: {}})[task_id] is None  # once only
    done_row = task_row(app, task_id)
    assert done_row.status == "completed" and done_row.finished_at >= done_row.started_at
    assert seconds is not None and seconds >= 0
    assert done_row.quality["realism"] == {"violations": {}}


def test_lost_lease_late_finish_is_refused(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url, MAX_BATCH_ATTEMPTS=5)
    task_id = submit(app, 2, batch_size=2)
    [old] = claim(app, "slow-worker", lease=0.01)
    import time

    time.sleep(0.05)
    with app.app_context(), db.engine.begin() as conn:
        assert queue.reclaim_expired_leases(conn, 5) == [(task_id, 0)]
    [new] = claim(app, "new-owner")
    assert new.id == old.id and new.attempts == 2
    assert finish(app, old, "slow-worker", [persona(1), persona(2)]) is None
    assert finish(app, new, "new-owner", [persona(3), persona(4)]) is not None
    with app.app_context(), db.engine.connect() as conn:
        names = conn.execute(text("SELECT username FROM generation_results ORDER BY username"))
        assert [r.username for r in names] == ["usert3", "usert4"]


def test_shortfall_queues_a_topup_batch(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 10)
    [batch] = claim(app, "a")
    with app.app_context(), db.engine.begin() as conn:
        done = queue.finish_batch(
            conn, batch, "a", [persona(i) for i in range(7)], duration=0.1, topup_budget=1
        )
    assert done is not None and done.topup_batch == 1
    [topup] = claim(app, "a")
    assert (topup.batch_index, topup.size, topup.is_topup) == (1, 3, True)
    with app.app_context(), db.engine.begin() as conn:
        queue.finish_batch(
            conn, topup, "a", [persona(i) for i in range(7, 10)], duration=0.1, topup_budget=1
        )
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_total) == ("data-generated", 10, 2)


def test_duplicates_within_a_task_are_refused_by_the_database(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    task_id = submit(app, 4, batch_size=2)
    first, second = claim(app, "a", limit=2)
    finish(app, first, "a", [persona(1), persona(2)])
    with app.app_context(), db.engine.begin() as conn:
        done = queue.finish_batch(
            conn, second, "a", [persona(1), persona(3)], duration=0.1, topup_budget=0
        )
    assert done is not None and done.inserted == 1
    row = task_row(app, task_id)
    assert row.status == "failed"  # no top-up budget left: says so instead of hiding it
    assert "too few" in row.error
    assert row.quality["duplicates_dropped"] == 1


def test_concurrent_finishes_of_one_task_do_not_deadlock(make_app: AppFactory, pg_url: str) -> None:
    """The persona inserts' foreign key takes KEY SHARE on the task; finishing must not deadlock."""
    app = make_app(pg_url)
    task_id = submit(app, 200, batch_size=10)
    batches = claim(app, "a", limit=20)

    def finish_one(batch: ClaimedBatch) -> Any:
        return finish(app, batch, "a", [persona(1000 * batch.batch_index + i) for i in range(10)])

    assert None not in at_once(finish_one, batches)
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_done) == ("data-generated", 200, 20)


def test_finish_batches_stores_several_tasks_in_one_statement(
    make_app: AppFactory, any_url: str
) -> None:
    """Each batch in the group advances its own task; a lost lease and a short batch affect
    only their own task."""
    app = make_app(any_url)
    whole, short, lost = (submit(app, 2, batch_size=2) for _ in range(3))
    claimed = {b.task_id: b for b in claim(app, "a", limit=3)}
    with app.app_context(), db.engine.begin() as conn:
        assert queue.release_batches(conn, "a", [claimed[lost].id]) == 1
    results = [
        queue.BatchResult(claimed[whole], [persona(1, "w"), persona(2, "w")], duration=0.1),
        # The same persona twice: one is dropped, and with no top-up budget the task fails.
        queue.BatchResult(claimed[short], [persona(1, "s"), persona(1, "s")], duration=0.1),
        queue.BatchResult(claimed[lost], [persona(1, "l"), persona(2, "l")], duration=0.1),
    ]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with db.engine.begin() as conn:
                done = queue.finish_batches(conn, "a", results)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    first, second, third = done
    assert first is not None and (first.inserted, first.task_status) == (2, "data-generated")
    assert second is not None and (second.inserted, second.task_status) == (1, "failed")
    assert third is None
    if any_url.startswith("postgresql"):
        # One statement stores the group; only the short batch needs more (its top-up check).
        assert sum("json_to_recordset" in s for s in statements) == 1
    assert (task_row(app, whole).status, task_row(app, whole).generated) == ("data-generated", 2)
    assert task_row(app, whole).quality.get("duplicates_dropped", 0) == 0
    short_row = task_row(app, short)
    assert (short_row.status, short_row.generated) == ("failed", 1)
    assert short_row.quality["duplicates_dropped"] == 1
    lost_row = task_row(app, lost)
    assert (lost_row.generated, lost_row.batches_done) == (0, 0)
    with app.app_context(), db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT task_id, count(*) FROM generation_results GROUP BY task_id")
        ).all()
    assert dict(stored) == {whole: 2, short: 1}


def test_finish_batches_takes_one_batch_per_task(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, 4, batch_size=2)
    first, second = claim(app, "a", limit=2)
    results = [
        queue.BatchResult(b, [persona(b.batch_index)], duration=0.1) for b in (first, second)
    ]
    with app.app_context(), db.engine.begin() as conn, pytest.raises(ValueError, match="per task"):
        queue.finish_batches(conn, "a", results)


def finish_group(
    app: Flask, owner: str, results: list[queue.BatchResult], errors: list[BaseException]
) -> None:
    """Finish one owner's group in its own transaction; collect what it raised."""
    try:
        with app.app_context(), db.engine.begin() as conn:
            assert all(queue.finish_batches(conn, owner, results))
    except BaseException as exc:  # collected and asserted by the caller
        errors.append(exc)


def test_groups_finishing_the_same_tasks_in_opposite_orders_do_not_deadlock(
    make_app: AppFactory, pg_url: str
) -> None:
    """Two processes each finish one batch of every task, listed in opposite orders. The first
    is held up half way by a lock on the middle task, and the second starts meanwhile: had
    either locked tasks in the order it lists them, each would hold a task the other waits for.
    """
    app = make_app(pg_url, DB_POOL_SIZE=6)  # the blocker, two finishers, the probe
    task_ids = [submit(app, 4, batch_size=2) for _ in range(8)]
    held = {owner: {b.task_id: b for b in claim(app, owner, limit=8)} for owner in "ab"}
    assert set(held["a"]) == set(held["b"]) == set(task_ids)
    groups = {
        owner: [
            queue.BatchResult(
                held[owner][t],
                [persona(10 * held[owner][t].batch_index + i, t) for i in range(2)],
                duration=0.1,
            )
            for t in order
        ]
        for owner, order in (("a", task_ids), ("b", task_ids[::-1]))
    }
    errors: list[BaseException] = []
    with app.app_context():
        blocker = db.engine.connect()
        tx = blocker.begin()
        blocker.execute(
            text("SELECT 1 FROM generation_tasks WHERE task_id = :t FOR UPDATE"),
            {"t": sorted(task_ids)[len(task_ids) // 2]},
        )
    threads = []
    for waiting, (owner, results) in enumerate(groups.items(), start=1):
        thread = threading.Thread(target=finish_group, args=(app, owner, results, errors))
        thread.start()
        threads.append(thread)
        assert wait_until(lambda n=waiting: lock_waits(app) >= n, 10)
    tx.rollback()
    blocker.close()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {task_row(app, t).status for t in task_ids} == {"data-generated"}


def test_finishing_never_stores_past_requested(make_app: AppFactory, any_url: str) -> None:
    """A batch that would overfill its task (a bookkeeping slip) stores only what is missing."""
    app = make_app(any_url)
    task_id = submit(app, 15)  # batches of 10 and 5
    big, small = claim(app, "a", limit=2)
    assert finish(app, big, "a", [persona(i) for i in range(10)]).inserted == 10
    with app.app_context(), db.engine.begin() as conn:  # as if a race had over-planned it
        conn.execute(
            text("UPDATE generation_batches SET size = 10 WHERE id = :id"), {"id": small.id}
        )
    oversized = ClaimedBatch(**{**small.__dict__, "size": 10})
    done = finish(app, oversized, "a", [persona(i) for i in range(10, 20)])
    assert done is not None and (done.inserted, done.task_status, done.topup_batch) == (
        5,
        "data-generated",
        None,
    )
    assert task_row(app, task_id).generated == 15


def test_concurrent_short_batches_share_the_topup_budget(make_app: AppFactory, pg_url: str) -> None:
    """Four short batches of one task finish at once with a budget of two top-ups: two queue
    top-ups at distinct new indexes, the third fails the task, the fourth finds it ended."""
    app = make_app(pg_url)
    task_id = submit(app, 40, batch_size=10)
    batches = claim(app, "a", limit=4)

    def finish_short(batch: ClaimedBatch) -> Any:
        rows = [persona(100 * batch.batch_index + i) for i in range(7)]
        with app.app_context(), db.engine.begin() as conn:
            return queue.finish_batch(conn, batch, "a", rows, duration=0.1, topup_budget=2)

    outcomes = at_once(finish_short, batches)
    assert sorted(o.topup_batch for o in outcomes if o.topup_batch is not None) == [4, 5]
    assert sorted(o.task_status for o in outcomes) == [
        "failed",
        "failed",
        "generating-data",
        "generating-data",
    ]
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT status, size, generated, is_topup FROM generation_batches"
                " WHERE task_id = :t ORDER BY is_topup, status, batch_index"
            ),
            {"t": task_id},
        ).all()
    assert [tuple(r) for r in rows] == [
        ("cancelled", 10, 0, False),  # came back after the task had failed
        ("done", 10, 7, False),
        ("done", 10, 7, False),
        ("done", 10, 7, False),
        ("pending", 3, 0, True),
        ("pending", 3, 0, True),
    ]
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_total) == ("failed", 21, 6)
    assert "top-up budget of 2" in row.error
