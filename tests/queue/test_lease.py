"""Leases: renewed only by their owner; attempts capped, then the task fails."""

from __future__ import annotations

from avatar_data_generator import queue
from avatar_data_generator.db import db
from tests.conftest import AppFactory
from tests.queue.helpers import claim, submit, task_row


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
