"""The figures operators read: the seed's health figures and the dashboard's samples."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from avatar_data_generator import queue
from avatar_data_generator.db import db, utcnow
from tests.conftest import AppFactory
from tests.queue.helpers import submit


def test_health_stats_are_the_seed_figures_of_the_last_hour(
    make_app: AppFactory, any_url: str
) -> None:
    app = make_app(any_url)
    done = [submit(app, 5, batch_size=5) for _ in range(3)]
    failed = submit(app, 5, batch_size=5)
    old = submit(app, 5, batch_size=5)
    submit(app, 5, batch_size=5)  # still pending
    with app.app_context(), db.engine.begin() as conn:
        for task_id in done:
            conn.execute(
                text(
                    "UPDATE generation_tasks SET status = 'completed', started_at = :s,"
                    " finished_at = :f, updated_at = :f WHERE task_id = :t"
                ),
                {"t": task_id, "s": utcnow() - timedelta(seconds=12), "f": utcnow()},
            )
        queue.fail_task(conn, failed, "provider down")
        conn.execute(
            text(
                "UPDATE generation_tasks SET status = 'completed', updated_at = :u"
                " WHERE task_id = :t"
            ),
            {"t": old, "u": utcnow() - timedelta(hours=2)},  # outside the hour
        )
    with app.app_context(), db.engine.connect() as conn:
        stats = queue.health_stats(conn)
    assert stats["queue_depth"] == 1
    assert (stats["processed_last_hour"], stats["failed_last_hour"]) == (3, 1)
    assert stats["error_rate"] == 0.25
    assert stats["avg_processing_seconds"] is not None
    assert 11.9 <= stats["avg_processing_seconds"] <= 12.1


def test_queue_samples_are_taken_once_per_interval(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    submit(app, 10)
    with app.app_context(), db.engine.begin() as conn:
        assert queue.record_queue_sample(conn, 30) is True
        assert queue.record_queue_sample(conn, 30) is False  # another process just sampled
        depth = conn.execute(text("SELECT queue_depth FROM queue_samples")).scalar_one()
    assert depth == 1
