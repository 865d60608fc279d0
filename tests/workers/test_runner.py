"""Running one batch: outcomes that need no provider call at all."""

from __future__ import annotations

import pytest

from avatar_data_generator import tasks
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.workers.test_multiprocess import scalar


def test_a_misconfigured_provider_fails_the_task_at_once_with_the_reason(
    make_app: AppFactory, pg_url: str
) -> None:
    submitted_with = make_app(pg_url, FLOWISE_API_URL="http://127.0.0.1:9", FLOWISE_CHATFLOW_ID="x")
    with submitted_with.app_context():
        task, _ = tasks.create_task(count=5, batch_size=5, provider="flowise")
    app = make_app(pg_url)  # restarted without FLOWISE_API_URL
    with app.app_context():
        assert process_single_task(app)
        failed = tasks.get_task(task.task_id)
    assert failed.status == "failed"
    assert "FLOWISE_API_URL" in (failed.error or "")
    assert scalar(app, "SELECT attempts FROM generation_batches") == 1


def test_submitting_to_an_unconfigured_provider_is_refused(
    make_app: AppFactory, pg_url: str
) -> None:
    app = make_app(pg_url)
    with app.app_context(), pytest.raises(tasks.TaskInputError) as refused:
        tasks.create_task(count=5, provider="openai")
    assert refused.value.field == "provider"
    assert "OPENAI_BASE_URL" in refused.value.message
