"""The dashboard: the seed's four figures and the two 24-hour charts."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from avatar_data_generator import tasks
from avatar_data_generator.db import db, utcnow
from avatar_data_generator.models import QueueSample
from avatar_data_generator.workers.task_processor import process_single_task
from tests.web.helpers import logged_in


def test_dashboard_shows_figures_and_charts(app: Flask) -> None:
    client = logged_in(app)
    with app.app_context():
        tasks.create_task(count=5)
        now = utcnow()
        for minutes, depth in ((5, 3), (40, 7), (300, 2)):
            db.session.add(
                QueueSample(
                    sampled_at=now - timedelta(minutes=minutes),
                    queue_depth=depth,
                    running_batches=1,
                )
            )
        db.session.commit()
    process_single_task(app)
    html = client.get("/dashboard").get_data(as_text=True)
    for label in (
        "Processed in the last hour",
        "Average processing time",
        "Error rate",
        "Queue depth",
    ):
        assert label in html
    assert 'id="chart-personas"' in html and 'id="chart-queue"' in html
    assert html.count('class="bar"') == 24
    assert "5 in all" in html and "peak 7" in html


def test_dashboard_shows_provider_concurrency_and_pauses(app: Flask) -> None:
    from avatar_data_generator.queue import providers as shared

    client = logged_in(app)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="providers"' in html and "No remote provider in use" in html
    with app.app_context(), db.engine.begin() as conn:
        shared.record_limits(conn, "worker-a", {"openai": (3, 5)})
        shared.record_limits(conn, "worker-b", {"openai": (4, 5)})
        shared.pause_provider(conn, "flowise", 3600, "outage", "connection refused <b>x</b>")
    html = client.get("/dashboard").get_data(as_text=True)
    openai = html[html.index('id="provider-openai"') :].split("</li>")[0]
    assert "concurrency <strong>7</strong> of 10" in openai and "2 worker processes" in openai
    flowise = html[html.index('id="provider-flowise"') :].split("</li>")[0]
    assert "provider flowise paused since " in flowise and " UTC (an outage" in flowise
    assert "last error: " in flowise and "connection refused &lt;b&gt;x&lt;/b&gt;" in flowise
    with app.app_context(), db.engine.begin() as conn:
        shared.lift_pause(conn, "flowise")
        shared.forget_limits(conn, "worker-a")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="provider-flowise"' not in html
    assert "concurrency <strong>4</strong> of 5" in html and "1 worker process)" in html
