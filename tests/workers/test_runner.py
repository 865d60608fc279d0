"""Running one batch: outcomes that need no provider call, and the hand-over to the completer."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from avatar_data_generator import queue, tasks
from avatar_data_generator.workers.runner import Worker
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


def test_a_batch_handed_to_the_completer_stays_leased_until_it_is_stored(
    make_app: AppFactory, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_batch returns once the completer has the batch; until the store commits, the batch
    is still in flight: the heartbeat renews its lease and the dispatcher counts it."""
    app = make_app(pg_url, LEASE_SECONDS=30)
    with app.app_context():
        tasks.create_task(count=5, batch_size=5, provider="local")
    may_store = threading.Event()
    real_finish = queue.finish_batches

    def held_finish(*args: Any) -> Any:
        assert may_store.wait(10)
        return real_finish(*args)

    monkeypatch.setattr(queue, "finish_batches", held_finish)
    worker = Worker(app)
    done = threading.Event()
    worker.on_batch_done.append(done.set)
    try:
        [batch] = worker.claim(1)
        worker.run_batch(batch)  # generated, validated, handed over
        assert [b.id for b in worker.in_flight()] == [batch.id]
        assert not done.is_set()
        before = scalar(app, "SELECT lease_expires_at FROM generation_batches")
        time.sleep(0.01)
        worker.beat()
        assert scalar(app, "SELECT lease_expires_at FROM generation_batches") > before
        may_store.set()
        assert done.wait(10)
    finally:
        may_store.set()
        worker.stop()
    assert worker.in_flight() == []
    assert scalar(app, "SELECT status FROM generation_tasks") == "completed"
