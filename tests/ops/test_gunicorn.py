"""gunicorn for real: 3 workers on PostgreSQL, a slow Flowise, SIGTERM mid-run, restart.

Nothing is redone (Flowise calls == batches), nothing is lost (every task completes with
exactly its distinct personas), no lease is left behind, and /metrics agrees across workers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask

from tests.conftest import AppFactory, cli_env, run_cli
from tests.ops.helpers import (
    Gunicorn,
    http_get,
    json_lines,
    metric,
    metric_samples,
    wait_for,
)
from tests.standins.flowise import FlowiseStandIn

pytestmark = pytest.mark.slow

CHATFLOW = "5f0c1c8e-2d7a-4e53-9a51-0d6f3f7f2b11"
TASKS, COUNT, BATCH = 30, 20, 10


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _db(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(_conninfo(url)) as conn:
        return list(conn.execute(sql).fetchall())


def _settings(flowise: FlowiseStandIn, tmp_path: Path) -> dict[str, Any]:
    return {
        "GENERATOR_PROVIDER": "flowise",
        "FLOWISE_API_URL": flowise.url,
        "FLOWISE_CHATFLOW_ID": CHATFLOW,
        "FLOWISE_API_KEY": "flowise-secret-key-123456",
        "MULTITHREAD_FLOWISE": 2,
        "PERSONAS_PER_BATCH": BATCH,
        "WORKER_INTERVAL": 2,
        "LEASE_SECONDS": 30,  # a stranded lease would outlive the test's patience
        "SECRET_KEY": "ops-test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }


def test_sigterm_mid_run_then_restart_nothing_lost_nothing_redone(
    pg_url: str, make_app: AppFactory, tmp_path: Path
) -> None:
    flowise = FlowiseStandIn(delay=0.3, api_key="flowise-secret-key-123456").start()
    settings = _settings(flowise, tmp_path)
    env = cli_env(
        pg_url,
        **settings,
        GRACEFUL_TIMEOUT=10,
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    log_path = tmp_path / "gunicorn.log"
    first = Gunicorn(env, tmp_path, log_path, workers=3)
    second = Gunicorn(env, tmp_path, log_path, workers=3)
    try:
        # Submitted (through the CLI's `submit`) before gunicorn starts, so SIGTERM lands mid-run
        # however slow the machine is: the 60 batches need >= 3 s of Flowise time.
        app: Flask = make_app(pg_url, **settings)
        runner = app.test_cli_runner()
        task_ids = []
        for _ in range(TASKS):
            result = runner.invoke(
                args=["submit", "--count", str(COUNT), "--batch-size", str(BATCH), "--json"]
            )
            assert result.exit_code == 0, result.output
            task_ids.append(json.loads(result.output.strip().splitlines()[-1])["task_id"])
        started = time.monotonic()
        first.start()  # returns once every worker has started its queue worker
        boot_seconds = time.monotonic() - started
        time.sleep(1.0)
        stop_started = time.monotonic()
        assert first.terminate(timeout=60) == 0
        stop_seconds = time.monotonic() - stop_started

        # After a graceful stop: no lease left, every call made so far was stored.
        statuses = dict(_db(pg_url, "SELECT status, COUNT(*) FROM generation_batches GROUP BY 1"))
        assert statuses.get("running", 0) == 0, statuses
        done_before = statuses.get("done", 0)
        calls_before = flowise.calls
        personas_before = _db(pg_url, "SELECT COUNT(*) FROM generation_results")[0][0]
        tasks_done_before = _db(
            pg_url, "SELECT COUNT(*) FROM generation_tasks WHERE status = 'completed'"
        )[0][0]
        assert calls_before == done_before, (calls_before, statuses)
        assert 0 < done_before < TASKS * COUNT // BATCH, "SIGTERM should land mid-run"
        shutdown_lines = [
            line for line in json_lines(first.log()) if "Shutting down" in line["message"]
        ]
        assert len(shutdown_lines) == 3  # every worker shut its queue worker down
        in_flight_at_stop = sum(
            int(line["message"].split("finishing ")[1].split(" ")[0]) for line in shutdown_lines
        )

        second.start()

        def all_completed() -> bool:
            rows = _db(pg_url, "SELECT COUNT(*) FROM generation_tasks WHERE status = 'completed'")
            return bool(rows[0][0] == TASKS)

        wait_for(all_completed, timeout=25, interval=0.2)  # < LEASE_SECONDS: nothing stranded
        total, distinct = _db(
            pg_url, "SELECT COUNT(*), COUNT(DISTINCT id) FROM generation_results"
        )[0]
        per_task = _db(
            pg_url,
            "SELECT t.task_id, t.generated, COUNT(r.id) FROM generation_tasks t"
            " LEFT JOIN generation_results r ON r.task_id = t.task_id GROUP BY 1, 2",
        )
        assert total == distinct == TASKS * COUNT
        assert sorted(r[0] for r in per_task) == sorted(task_ids)
        assert all(r[1] == r[2] == COUNT for r in per_task), per_task
        assert flowise.calls == TASKS * COUNT // BATCH  # nothing redone

        # /metrics: whichever worker answers, the same totals, equal to this run's work.
        expected_personas = TASKS * COUNT - personas_before
        expected_calls = TASKS * COUNT // BATCH - calls_before

        def scrape() -> dict[Any, float]:
            status, body, headers = http_get(f"{second.url}/metrics")
            assert status == 200 and headers["Content-Type"].startswith("text/plain")
            return metric_samples(body)

        wait_for(
            lambda: metric(scrape(), "avatar_personas_generated_total") == expected_personas, 10
        )
        scrapes = [scrape() for _ in range(8)]
        for samples in scrapes:
            assert metric(samples, "avatar_personas_generated_total") == expected_personas
            assert (
                metric(samples, "avatar_provider_calls_total", provider="flowise", outcome="ok")
                == expected_calls
            )
            assert metric(samples, "avatar_batch_duration_seconds_count") == expected_calls
            assert (
                metric(samples, "avatar_tasks_finished_total", status="completed")
                == TASKS - tasks_done_before
            )
            assert metric(samples, "avatar_queue_depth") == 0
            assert metric(samples, "avatar_tasks", status="completed") == TASKS
            assert metric(samples, "avatar_provider_calls_in_flight") == 0
            assert metric(samples, "avatar_lease_takeovers_total") == 0

        # /healthz: JSON, database up, a queue worker in every process that answers.
        pids = set()
        for _ in range(6):
            status, body, _ = http_get(f"{second.url}/healthz")
            data = json.loads(body)
            assert status == 200 and data["status"] == "ok", data
            assert data["database"]["reachable"] and data["worker"]["running"]
            assert data["queue"]["depth"] == 0
            assert data["provider_load"]["effective"] == data["provider_load"]["processes"] * 2
            pids.add(data["pid"])

        stats = run_cli(["stats", "--json"], env, tmp_path)
        assert stats.returncode == 0, stats.stderr
        figures = json.loads(stats.stdout.strip().splitlines()[-1])
        for key in ("processed_last_hour", "queue_depth", "error_rate", "avg_processing_seconds"):
            assert key in figures
        assert figures["processed_last_hour"] == TASKS and figures["queue_depth"] == 0

        assert second.terminate(timeout=60) == 0
        logs = log_path.read_text()
        assert "flowise-secret-key-123456" not in logs
        print(
            json.dumps(
                {
                    "tasks": TASKS,
                    "personas": total,
                    "flowise_calls": flowise.calls,
                    "batches_done_before_sigterm": done_before,
                    "in_flight_at_sigterm": in_flight_at_stop,
                    "boot_seconds": round(boot_seconds, 2),
                    "graceful_stop_seconds": round(stop_seconds, 2),
                    "healthz_pids_seen": len(pids),
                }
            )
        )
    finally:
        first.kill()
        second.kill()
        flowise.stop()


def test_sigterm_past_the_grace_releases_leases_for_an_immediate_resume(
    pg_url: str, make_app: AppFactory, tmp_path: Path
) -> None:
    """Batches that cannot finish within GRACEFUL_TIMEOUT are given back, not left to expire."""
    flowise = FlowiseStandIn(delay=4.0).start()
    settings = _settings(flowise, tmp_path)
    settings.pop("FLOWISE_API_KEY")
    env = cli_env(
        pg_url, **settings, GRACEFUL_TIMEOUT=1, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "m")
    )
    first = Gunicorn(env, tmp_path, tmp_path / "gunicorn.log", workers=2)
    second = Gunicorn(env, tmp_path, tmp_path / "gunicorn.log", workers=2)
    try:
        first.start()
        app: Flask = make_app(pg_url, **settings)
        result = app.test_cli_runner().invoke(
            args=["submit", "--count", "40", "--batch-size", "10", "--json"]
        )
        assert result.exit_code == 0, result.output
        task_id = json.loads(result.output.strip().splitlines()[-1])["task_id"]
        wait_for(lambda: flowise.in_flight == 4, timeout=15, interval=0.05)
        started = time.monotonic()
        assert first.terminate(timeout=60) == 0
        stop_seconds = time.monotonic() - started
        statuses = dict(_db(pg_url, "SELECT status, COUNT(*) FROM generation_batches GROUP BY 1"))
        assert statuses == {"pending": 4}, statuses  # released, not stranded under a lease
        assert first.log().count("Released 2 lease(s) for another worker to resume") == 2

        flowise.delay = 0.1
        second.start()
        resumed = time.monotonic()
        wait_for(
            lambda: (
                _db(pg_url, f"SELECT status FROM generation_tasks WHERE task_id = '{task_id}'")
                == [("completed",)]
            ),
            timeout=20,  # well under LEASE_SECONDS (30): nothing waited for a lease to expire
        )
        resume_seconds = time.monotonic() - resumed
        total, distinct = _db(
            pg_url, "SELECT COUNT(*), COUNT(DISTINCT id) FROM generation_results"
        )[0]
        assert total == distinct == 40
        assert second.terminate(timeout=60) == 0
        print(
            json.dumps(
                {
                    "released_at_sigterm": 4,
                    "graceful_stop_seconds": round(stop_seconds, 2),
                    "resume_to_completed_seconds": round(resume_seconds, 2),
                    "flowise_calls": flowise.calls,
                }
            )
        )
    finally:
        first.kill()
        second.kill()
        flowise.stop()
