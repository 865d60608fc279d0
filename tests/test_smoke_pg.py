"""Smoke: the app migrates and runs a task end to end on both dialects."""

from __future__ import annotations

from flask import Flask

from avatar_data_generator import tasks
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory


def test_task_runs_to_completed(make_app: AppFactory, any_url: str) -> None:
    app: Flask = make_app(any_url)
    with app.app_context():
        task, created = tasks.create_task(count=25, batch_size=10, provider="local", seed=7)
        assert created
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
        assert done.status == "completed"
        assert done.generated == 25
        assert done.batches_done == done.batches_total == 3
        assert done.started_at and done.finished_at and done.finished_at >= done.started_at
        ids = [p["id"] for p in tasks.iter_personas(task.task_id)]
        assert len(ids) == len(set(ids)) == 25
