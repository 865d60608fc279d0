"""/healthz and /metrics in-process: no login, JSON, 200 without a worker, 503 without a DB."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from avatar_data_generator import events, tasks
from avatar_data_generator.db import db, engine_options
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.ops.helpers import free_port, metric, metric_samples


def test_healthz_without_worker_says_why(make_app: AppFactory, pg_url: str) -> None:
    app: Flask = make_app(pg_url, MULTITHREAD_FLOWISE=4, FLOWISE_MAX_CONCURRENCY=6)
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    assert body["worker"] == {"running": False, "reason": "testing"}
    assert body["queue"] == {"depth": 0, "running_batches": 0}
    load = body["provider_load"]
    assert load["multithread_flowise"] == 4 and load["max_concurrency"] == 6
    assert load["effective"] == min(load["processes"] * 4, 6)


def test_healthz_with_worker_reports_tick_heartbeat_listener(
    make_app: AppFactory, pg_url: str
) -> None:
    from avatar_data_generator.workers.runtime import start_worker

    app: Flask = make_app(pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=1, LEASE_SECONDS=3)
    runtime = start_worker(app)
    assert runtime is not None and runtime.listener is not None
    runtime.listener.connected.wait(10)
    client = app.test_client()
    import time

    deadline = time.monotonic() + 10
    while True:
        body = client.get("/healthz").get_json()
        worker = body["worker"]
        if worker["last_tick"] and worker["heartbeat"]["last"]:
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert worker["running"] and worker["alive"] and worker["heartbeat"]["healthy"]
    assert worker["listener"]["connected"] is True
    assert body["status"] == "ok"
    # This process's LISTEN connection is counted as one worker process.
    assert body["provider_load"]["processes"] >= 1


def test_healthz_503_when_database_unreachable(make_app: AppFactory, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    app: Flask = make_app(url)
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    body = json.loads(resp.data)
    assert body["status"] == "unavailable" and body["database"]["reachable"] is False
    metrics = app.test_client().get("/metrics")
    assert metrics.status_code == 200
    assert metric(metric_samples(metrics.data.decode()), "avatar_database_up") == 0


def test_metrics_queue_gauges_and_signal_counters(make_app: AppFactory, pg_url: str) -> None:
    app: Flask = make_app(pg_url)
    client = app.test_client()
    before = metric_samples(client.get("/metrics").data.decode())
    with app.app_context():
        tasks.create_task(count=5, batch_size=5, provider="local")
        tasks.create_task(count=12, batch_size=5, provider="local", seed=3)
    samples = metric_samples(client.get("/metrics").data.decode())
    assert metric(samples, "avatar_queue_depth") == 2
    assert metric(samples, "avatar_tasks", status="pending") == 2
    assert metric(samples, "avatar_batches", status="pending") == 4
    assert metric(samples, "avatar_oldest_pending_task_age_seconds") < 30
    with app.app_context(), db.engine.begin() as conn:  # the oldest task waits for 2 minutes now
        conn.execute(
            text(
                "UPDATE generation_tasks SET created_at = created_at - interval '120 seconds'"
                " WHERE requested = 5"
            )
        )
    aged = metric_samples(client.get("/metrics").data.decode())
    assert 120 <= metric(aged, "avatar_oldest_pending_task_age_seconds") < 150
    with app.app_context():
        assert process_single_task(app)
    events.leases_reclaimed.send(None, count=2)
    events.provider_calls_in_flight.send(None, delta=1)
    after = metric_samples(client.get("/metrics").data.decode())
    events.provider_calls_in_flight.send(None, delta=-1)

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("avatar_personas_generated_total") in (5, 12)
    # From the database: survives restarts and counts every process.
    assert metric(after, "avatar_personas_stored_total") in (5, 12)
    assert grew("avatar_provider_calls_total", provider="local", outcome="ok") >= 1
    assert grew("avatar_batch_duration_seconds_count") >= 1
    assert grew("avatar_tasks_finished_total", status="completed") == 1
    assert grew("avatar_task_duration_seconds_count", status="completed") == 1
    assert grew("avatar_lease_takeovers_total") == 2
    assert grew("avatar_provider_calls_in_flight") == 1
    assert metric(after, "avatar_queue_depth") == 1


def test_no_login_on_health_and_metrics(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/healthz", "/metrics"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "login" not in (resp.headers.get("Location") or "")


def test_pool_sizing_fits_three_hosts_of_eight_workers() -> None:
    """3 hosts x 8 workers x (pool + LISTEN [+ slot]) <= 100 - 3 reserved, for default settings."""
    url = "postgresql+psycopg://u@h/db"
    for threads in (1, 3, 5, 10, 20):
        for cap in (0, 8):
            opts = engine_options(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "MULTITHREAD_FLOWISE": threads,
                    "FLOWISE_MAX_CONCURRENCY": cap,
                    "DB_POOL_SIZE": 0,
                }
            )
            assert opts["max_overflow"] == 0
            per_process = opts["pool_size"] + 1 + (1 if cap else 0)
            assert 3 * 8 * per_process <= 97, (threads, cap, per_process)
    explicit = engine_options(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MULTITHREAD_FLOWISE": 5,
            "FLOWISE_MAX_CONCURRENCY": 0,
            "DB_POOL_SIZE": 7,
        }
    )
    assert explicit["pool_size"] == 7


def test_healthz_is_degraded_while_writes_are_refused(
    make_app: AppFactory, sqlite_url: str
) -> None:
    """A full disk: reads still answer, so 200, but the refused writes show as degraded."""
    from sqlalchemy import event

    from avatar_data_generator.db import db
    from avatar_data_generator.workers.runtime import start_worker

    app: Flask = make_app(sqlite_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=1, LEASE_SECONDS=3)
    client = app.test_client()
    assert client.get("/healthz").get_json()["status"] == "ok"
    with app.app_context():
        task_id = tasks.create_task(count=2000, batch_size=100, provider="local")[0].task_id
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def _full(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # The file may not grow by a page: SQLite answers "database or disk is full".
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    start_worker(app)
    import time

    deadline = time.monotonic() + 20
    while True:
        body = client.get("/healthz").get_json()
        if body["database"]["writes"]["refused_last_minute"]:
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert body["status"] == "degraded" and body["database"]["reachable"] is True
    assert "full" in body["database"]["writes"]["last_error"]
    with app.app_context():
        assert tasks.get_task(task_id).generated < 2000


def test_metrics_provider_concurrency_pauses_and_throttle_cuts(
    make_app: AppFactory, pg_url: str
) -> None:
    from avatar_data_generator.queue import providers as shared

    app: Flask = make_app(pg_url)
    client = app.test_client()
    before = metric_samples(client.get("/metrics").data.decode())
    assert metric(before, "avatar_provider_paused", provider="openai") == 0
    assert metric(before, "avatar_provider_worker_processes", provider="flowise") == 0
    with app.app_context(), db.engine.begin() as conn:
        shared.record_limits(conn, "worker-a", {"openai": (3, 5)})
        shared.record_limits(conn, "worker-b", {"openai": (2, 5), "flowise": (5, 5)})
        shared.pause_provider(conn, "flowise", 30, "rate-limited", "HTTP 429 slow down")
    events.provider_throttled.send(None, provider="openai")
    samples = metric_samples(client.get("/metrics").data.decode())
    assert metric(samples, "avatar_provider_concurrency", provider="openai") == 5  # 3 + 2
    assert metric(samples, "avatar_provider_concurrency_maximum", provider="openai") == 10
    assert metric(samples, "avatar_provider_worker_processes", provider="openai") == 2
    assert metric(samples, "avatar_provider_concurrency", provider="flowise") == 5
    assert metric(samples, "avatar_provider_paused", provider="flowise") == 1
    assert metric(samples, "avatar_provider_paused", provider="openai") == 0
    assert 20 < metric(samples, "avatar_provider_pause_seconds_left", provider="flowise") <= 30
    assert ("avatar_provider_paused", (("provider", "local"),)) not in samples
    cuts = metric(samples, "avatar_provider_throttled_total", provider="openai")
    assert cuts - metric(before, "avatar_provider_throttled_total", provider="openai") == 1
    with app.app_context(), db.engine.begin() as conn:
        shared.lift_pause(conn, "flowise")
    after = metric_samples(client.get("/metrics").data.decode())
    assert metric(after, "avatar_provider_paused", provider="flowise") == 0
