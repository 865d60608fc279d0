"""Claiming: one short statement, never the same row twice, round-robin, backoff."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from avatar_data_generator import queue, tasks
from avatar_data_generator.db import db
from tests.conftest import AppFactory
from tests.queue.helpers import claim, persona, racing_claims, submit, task_row


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
