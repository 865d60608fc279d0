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
