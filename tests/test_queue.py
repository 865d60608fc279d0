"""The queue statements: claims, leases, fences, idempotent storage, fairness, cancel and retry."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, text

from avatar_data_generator import queue, tasks
from avatar_data_generator.db import db
from avatar_data_generator.models import GenerationTask
from avatar_data_generator.queue import ClaimedBatch
from tests.conftest import AppFactory
from tests.faults.helpers import wait_until


def persona(n: int, task: str = "t") -> dict[str, Any]:
    """A storage row for a persona (as the worker builds it)."""
    data = {
        "id": str(uuid.uuid4()),
        "first_name": f"A{n}",
        "last_name": f"B{task}{n}",
        "date_of_birth": "1990-01-02",
        "username": f"user{task}{n}",
        "email": f"user{task}{n}@example.com",
    }
    return {
        **data,
        "date_of_birth": date(1990, 1, 2),
        "dedupe_key": f"a{n} b{n}|1990",
        "data": data,
    }


def submit(app: Flask, count: int, batch_size: int = 10) -> str:
    with app.app_context():
        task, _ = tasks.create_task(count=count, batch_size=batch_size, provider="local")
        return task.task_id


def claim(app: Flask, owner: str, limit: int = 1, lease: float = 60) -> list[ClaimedBatch]:
    with app.app_context(), db.engine.begin() as conn:
        return queue.claim_batches(conn, owner, limit, lease)


def finish(app: Flask, batch: ClaimedBatch, owner: str, rows: list[dict[str, Any]]) -> Any:
    with app.app_context(), db.engine.begin() as conn:
        return queue.finish_batch(conn, batch, owner, rows, duration=0.1, topup_budget=0)


def racing_claims(app: Flask, limit: int) -> tuple[list[ClaimedBatch], list[ClaimedBatch]]:
    """Claim as "a" and hold it uncommitted while "b" claims, then commit "a"'s claim."""
    with app.app_context():
        first = db.engine.connect()
        tx = first.begin()
        got_first = queue.claim_batches(first, "a", limit, 60)
        with db.engine.begin() as second:
            got_second = queue.claim_batches(second, "b", limit, 60)
        tx.commit()
        first.close()
    return got_first, got_second


def task_row(app: Flask, task_id: str) -> Any:
    """The task as a plain row, read on its own connection."""
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(
            select(GenerationTask.__table__).where(GenerationTask.task_id == task_id)
        ).first()


def test_claim_moves_task_to_generating_with_started_at(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 25)
    assert task_row(app, task_id).status == "pending"
    claimed = claim(app, "owner-a", limit=2)
    assert [b.batch_index for b in claimed] == [0, 1]
    row = task_row(app, task_id)
    assert row.status == "generating-data"
    assert row.started_at is not None and row.started_at.microsecond is not None


def test_only_a_claim_commits_without_waiting_for_its_flush(
    make_app: AppFactory, pg_url: str
) -> None:
    """A lost claim is only claimed again, so it skips the WAL flush; the finish does not."""
    app = make_app(pg_url)
    submit(app, 10)
    show = text("SHOW synchronous_commit")
    with app.app_context(), db.engine.connect() as conn:
        with conn.begin():
            [batch] = queue.claim_batches(conn, "owner-a", 1, 60)
            during_claim = conn.execute(show).scalar()
        with conn.begin():
            queue.finish_batch(
                conn, batch, "owner-a", [persona(i) for i in range(10)], duration=0.1
            )
            during_finish = conn.execute(show).scalar()
    assert (during_claim, during_finish) == ("off", "on")


def test_two_concurrent_claims_never_get_the_same_row(make_app: AppFactory, pg_url: str) -> None:
    """A forced race: the first claim holds its row lock uncommitted while the second runs."""
    app = make_app(pg_url)
    submit(app, 10)  # one batch
    # The second claimer runs while the first is still uncommitted: SKIP LOCKED skips the row.
    got_first, got_second = racing_claims(app, 1)
    got_third = claim(app, "c")
    assert len(got_first) == 1
    assert got_second == []
    assert got_third == []


@pytest.mark.parametrize("shape", ["one big task", "many small tasks"])
def test_a_claim_racing_another_gets_the_next_batches_not_none(
    make_app: AppFactory, pg_url: str, shape: str
) -> None:
    """While one claim holds its batches uncommitted, a second claim skips them and takes the
    next ones instead of coming back empty (which would idle that process until the tick)."""
    app = make_app(pg_url)
    if shape == "one big task":
        submit(app, 400)
    else:
        for _ in range(40):
            submit(app, 10)
    got_first, got_second = racing_claims(app, 4)
    assert len(got_first) == 4
    assert len(got_second) == 4
    assert not {b.id for b in got_first} & {b.id for b in got_second}


def test_finish_is_fenced_and_a_replay_writes_nothing(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 3, batch_size=3)
    [batch] = claim(app, "a")
    rows = [persona(i) for i in range(3)]
    done = finish(app, batch, "a", rows)
    assert done is not None and done.inserted == 3 and done.task_status == "completed"
    assert finish(app, batch, "a", rows) is None  # lease gone: refused
    with app.app_context(), db.engine.begin() as conn:
        assert queue.store_personas(conn, task_id, batch.batch_index, rows) == 0
        count = conn.execute(text("SELECT count(*) FROM generation_results")).scalar_one()
    assert count == 3
    row = task_row(app, task_id)
    assert (row.generated, row.batches_done, row.status) == (3, 1, "completed")
    assert row.finished_at >= row.started_at


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


def test_renew_extends_only_own_leases(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, 20)
    [mine] = claim(app, "a", lease=0.01)
    [theirs] = claim(app, "b", lease=0.01)
    with app.app_context(), db.engine.begin() as conn:
        assert queue.renew_leases(conn, "a", 60, [mine.id, theirs.id]) == 1
        assert queue.renew_leases(conn, "a", 60, []) == 0  # nothing in flight: nothing kept
    import time

    time.sleep(0.05)
    with app.app_context(), db.engine.begin() as conn:
        reclaimed = queue.reclaim_expired_leases(conn, 5)
    assert [index for _, index in reclaimed] == [1]  # b's lease expired, a's was renewed


def test_attempts_are_capped_then_the_task_fails(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, 5, batch_size=5)
    for _ in range(2):
        assert len(claim(app, "a", lease=0.0)) == 1
        with app.app_context(), db.engine.begin() as conn:
            queue.reclaim_expired_leases(conn, max_attempts=2)
    row = task_row(app, task_id)
    assert row.status == "failed"
    assert "lost its worker 2 times" in row.error
    assert row.finished_at is not None
    assert claim(app, "b") == []


def test_round_robin_gives_a_small_task_the_next_slot(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    big = submit(app, 200)  # 20 batches
    first = claim(app, "w", limit=2)
    assert {b.task_id for b in first} == {big}
    small = submit(app, 10)  # 1 batch, submitted later
    [next_batch] = claim(app, "w", limit=1)
    assert next_batch.task_id == small
    # With several free slots, one claim interleaves tasks by how many they have running.
    other = submit(app, 30)
    # other has none running, big has two: turns are other 1, 2, 3 and big 3, 4; ties go to
    # the older task.
    picked = [b.task_id for b in claim(app, "w", limit=4)]
    assert sorted(picked) == sorted([other, other, big, other])


def expected_claim(app: Flask, limit: int) -> list[tuple[str, int]]:
    """The round-robin order computed in Python over every active task: the claim's contract."""
    with app.app_context(), db.engine.connect() as conn:
        batches = conn.execute(
            text(
                "SELECT b.task_id, b.batch_index, b.status, t.created_at FROM generation_batches b"
                " JOIN generation_tasks t ON t.task_id = b.task_id"
                " WHERE t.status IN ('pending', 'generating-data')"
            )
        ).all()
    running: dict[str, int] = {}
    for b in batches:
        if b.status == "running":
            running[b.task_id] = running.get(b.task_id, 0) + 1
    ranked = []
    rank: dict[str, int] = {}
    for b in sorted(batches, key=lambda b: (b.task_id, b.batch_index)):
        if b.status == "pending":
            rank[b.task_id] = rank.get(b.task_id, 0) + 1
            turn = running.get(b.task_id, 0) + rank[b.task_id]
            ranked.append((turn, b.created_at, b.batch_index, b.task_id))
    return [(task_id, index) for _, _, index, task_id in sorted(ranked)[:limit]]


def test_claim_matches_round_robin_over_every_active_task(
    make_app: AppFactory, any_url: str
) -> None:
    """More active tasks than the claim's limit, some with batches running elsewhere: the claim
    (which on PostgreSQL looks only at busy tasks and the oldest idle ones) picks exactly what
    ranking every active task would."""
    app = make_app(any_url)
    for count, taken in ((60, 3), (10, 0), (40, 1), (30, 0), (20, 2), (10, 0), (50, 0)):
        submit(app, count)
        if taken:
            claim(app, "elsewhere", limit=taken)
    for limit in (1, 3, 2, 6, 4, 5):
        want = expected_claim(app, limit)
        got = [(b.task_id, b.batch_index) for b in claim(app, "w", limit=limit)]
        assert sorted(got) == sorted(want)  # one claim's batches come back in no set order


def test_backoff_hides_a_batch_until_available(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, 10)
    [batch] = claim(app, "a")
    with app.app_context(), db.engine.begin() as conn:
        assert queue.retry_batch_later(conn, batch, "a", "HTTP 502", delay=30)
    assert claim(app, "a") == []
    with app.app_context(), db.engine.connect() as conn:
        wait = queue.next_available_in(conn)
        assert wait is not None and 25 < wait <= 30
        assert queue.unfinished_work(conn) == 1  # a waiting retry still counts as work


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
    assert (row.status, row.generated, row.batches_done) == ("completed", 30, 3)


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
    assert (row.status, row.generated, row.batches_total) == ("completed", 10, 2)


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


def test_health_stats_has_the_seed_figures(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, 5, batch_size=5)
    with app.app_context(), db.engine.connect() as conn:
        stats = queue.health_stats(conn)
    assert stats["queue_depth"] == 1
    assert {"processed_last_hour", "error_rate", "avg_processing_seconds"} <= set(stats)


def test_concurrent_finishes_of_one_task_do_not_deadlock(make_app: AppFactory, pg_url: str) -> None:
    """The persona inserts' foreign key takes KEY SHARE on the task; finishing must not deadlock."""
    import threading

    app = make_app(pg_url)
    task_id = submit(app, 200, batch_size=10)
    batches = claim(app, "a", limit=20)
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def finish_one(batch: ClaimedBatch) -> None:
        rows = [persona(1000 * batch.batch_index + i) for i in range(10)]
        barrier.wait()
        try:
            assert finish(app, batch, "a", rows) is not None
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=finish_one, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_done) == ("completed", 200, 20)


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
    assert first is not None and (first.inserted, first.task_status) == (2, "completed")
    assert second is not None and (second.inserted, second.task_status) == (1, "failed")
    assert third is None
    if any_url.startswith("postgresql"):
        # One statement stores the group; only the short batch needs more (its top-up check).
        assert sum("json_to_recordset" in s for s in statements) == 1
    assert (task_row(app, whole).status, task_row(app, whole).generated) == ("completed", 2)
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


def lock_waits(app: Flask) -> int:
    """Sessions of this database waiting for a row lock."""
    with app.app_context(), db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


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
    assert {task_row(app, t).status for t in task_ids} == {"completed"}


def test_queue_samples_are_taken_once_per_interval(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, 10)
    with app.app_context(), db.engine.begin() as conn:
        assert queue.record_queue_sample(conn, 30) is True
        assert queue.record_queue_sample(conn, 30) is False  # another process just sampled
        depth = conn.execute(text("SELECT queue_depth FROM queue_samples")).scalar_one()
    assert depth == 1


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
    assert done is not None and done.task_status == "completed"
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


def test_a_claim_carries_what_the_batch_needs_from_its_task(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    with app.app_context():
        tasks.create_task(
            count=3,
            batch_size=3,
            provider="local",
            locale="de",
            seed=42,
            bio_settings={"tone": "dry"},
        )
    [batch] = claim(app, "a")
    assert (batch.provider, batch.locale, batch.seed, batch.requested, batch.batch_size) == (
        "local",
        "de",
        42,
        3,
        3,
    )
    assert batch.bio_settings["tone"] == "dry"
    assert batch.task_started


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
    assert done is not None and done.task_status == "completed"
    row = task_row(app, task_id)
    assert (row.status, row.generated, row.batches_done) == ("completed", 20, 2)
    assert row.started_at is not None and row.finished_at is not None


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
        "completed",
        None,
    )
    assert task_row(app, task_id).generated == 15


counters = st.integers(0, 10_000)
breakdown = st.dictionaries(st.sampled_from(["too_long", "no_email", "female", "male"]), counters)
quality_report = st.fixed_dictionaries(
    {},
    optional={
        "asked": counters,
        "valid": counters,
        "duplicates_dropped": counters,
        "topup_calls": counters,
        "rejected": breakdown,
        "gender": breakdown,
        # jsonb cannot hold \u0000, and no model name carries one.
        "model": st.none() | st.text(st.characters(exclude_characters="\x00"), max_size=8),
        "truncated_answer": st.booleans(),
    },
)


def test_the_sql_quality_merge_equals_the_python_one(make_app: AppFactory, pg_url: str) -> None:
    """PostgreSQL finishes a batch in one statement, so it merges the quality report in SQL;
    SQLite uses merge_quality. Both must give the same report."""
    app = make_app(pg_url)
    with app.app_context():
        engine = db.engine
    statement = text(
        "SELECT CAST("
        + queue.MERGE_QUALITY_POSTGRES.format(
            current="CAST(:current AS jsonb)", addition="CAST(:addition AS jsonb)"
        )
        + " AS text)"
    )

    @settings(max_examples=200, deadline=None)
    @given(current=quality_report, addition=quality_report, duplicates=st.integers(0, 5))
    def same_report(current: Any, addition: Any, duplicates: int) -> None:
        with engine.connect() as conn:
            merged = conn.execute(
                statement,
                {
                    "current": json.dumps(current),
                    "addition": json.dumps(queue.merge_quality(addition, {}, duplicates)),
                },
            ).scalar_one()
        assert json.loads(merged) == queue.merge_quality(current, addition, duplicates)

    same_report()
