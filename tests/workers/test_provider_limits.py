"""Providers at their limit, end to end on PostgreSQL: 429s spend no attempt and every call is
counted; an outage pauses the provider for everyone and tasks wait instead of failing."""

from __future__ import annotations

import threading
import time
from typing import Any

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.queue import providers as shared
from avatar_data_generator.workers.runtime import runtime_for, start_worker
from tests.conftest import AppFactory
from tests.faults.helpers import flowise_config, rows, scalar, submit, wait_finished, wait_until
from tests.standins.flowise import FlowiseStandIn

FAST_RETRY = {"RETRY_BASE_SECONDS": 0.05, "RETRY_MAX_SECONDS": 0.2}


def test_a_rate_limited_provider_finishes_every_task_and_429s_spend_no_attempt(
    make_app: AppFactory, pg_url: str
) -> None:
    standin = FlowiseStandIn(delay=0.3, rate_limit=10).start()  # 10 calls a second
    try:
        app = make_app(
            pg_url,
            WORKER_IN_TESTS=True,
            WORKER_INTERVAL=1,
            MULTITHREAD_FLOWISE=9,  # 3 x R x latency: three times what the limit allows
            MAX_BATCH_ATTEMPTS=2,  # a 429 that spent an attempt would fail a task quickly
            **flowise_config(standin.url),
            **FAST_RETRY,
        )
        ids = [submit(app, count=20, batch_size=2, provider="flowise") for _ in range(6)]
        started = time.monotonic()
        assert start_worker(app) is not None
        for task_id in ids:
            assert wait_finished(app, task_id, 90) == "completed"
        took = time.monotonic() - started
    finally:
        standin.stop()
    calls = scalar(app, "SELECT sum(provider_calls) FROM generation_tasks")
    errors = scalar(app, "SELECT sum(provider_errors) FROM generation_tasks")
    assert calls == standin.calls and errors == standin.throttled  # failed calls count too
    assert scalar(app, "SELECT max(attempts) FROM generation_batches") == 1
    share = standin.throttled / standin.calls
    print(f"60 batches at 10/s: {took:.1f}s, {standin.throttled} of {standin.calls} answered 429")
    assert share < 0.25  # the limit came down (a fixed 9 would get about two thirds 429)
    runtime = runtime_for(app)
    assert runtime is not None
    figures = runtime.worker.calls.figures()["flowise"]
    assert figures["throttles"] >= 1 and figures["concurrency"] < 9


def test_an_outage_pauses_the_provider_and_no_task_fails(make_app: AppFactory, pg_url: str) -> None:
    standin = FlowiseStandIn(delay=0.2).start()
    try:
        app = make_app(
            pg_url,
            WORKER_IN_TESTS=True,
            WORKER_INTERVAL=1,
            MULTITHREAD_FLOWISE=4,
            MAX_BATCH_ATTEMPTS=2,
            BREAKER_COOLDOWN_SECONDS=1.0,
            **flowise_config(standin.url, FLOWISE_TIMEOUT=5),
            **FAST_RETRY,
        )
        ids = [submit(app, count=30, batch_size=3, provider="flowise") for _ in range(4)]
        assert start_worker(app) is not None
        assert wait_until(lambda: standin.calls >= 8, 30)
        standin.go_down()
        seen: dict[str, Any] = {}

        def watch() -> None:
            with app.app_context():
                client = app.test_client()
                while not seen.get("stop"):
                    body = client.get("/healthz").get_json()
                    paused = body.get("providers", {}).get("paused") or []
                    if paused:
                        seen["paused"] = paused[0]
                    time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        time.sleep(8)  # the outage
        with app.app_context(), db.engine.connect() as conn:
            [pause] = shared.pauses(conn)
        assert pause.reason == "outage" and "unreachable" in (pause.last_error or "")
        back = time.monotonic()
        standin.come_back()
        for task_id in ids:
            assert wait_finished(app, task_id, 60) == "completed"
        recovered = time.monotonic() - back
        seen["stop"] = True
    finally:
        standin.stop()
    assert recovered < 15, recovered
    assert seen.get("paused", {}).get("reason") == "outage"
    assert scalar(app, "SELECT max(attempts) FROM generation_batches") <= 2
    assert rows(app, "SELECT count(*) FROM generation_tasks WHERE status = 'failed'")[0][0] == 0
    with app.app_context(), db.engine.connect() as conn:
        assert shared.pauses(conn) == []


def test_a_wrong_key_still_fails_the_task_at_once(make_app: AppFactory, pg_url: str) -> None:
    standin = FlowiseStandIn(api_key="the-right-key").start()
    try:
        app = make_app(
            pg_url,
            WORKER_IN_TESTS=True,
            WORKER_INTERVAL=1,
            **flowise_config(standin.url, FLOWISE_API_KEY="a-wrong-key"),
        )
        task_id = submit(app, count=5, batch_size=5, provider="flowise")
        assert start_worker(app) is not None
        assert wait_finished(app, task_id, 30) == "failed"
    finally:
        standin.stop()
    assert standin.calls == 1
    with app.app_context():
        task = tasks.get_task(task_id)
    assert "Unauthorized" in (task.error or "") and task.provider_calls == 1
