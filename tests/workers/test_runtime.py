"""The worker runtime (APScheduler tick, dispatcher, listener) starts only where it should:
serving processes, not tests, reloaders or CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from avatar_data_generator.workers.runtime import runtime_for, start_worker
from tests.conftest import AppFactory, cli_env, run_cli


def test_not_started_under_testing(make_app: AppFactory, sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    assert start_worker(app) is None
    assert runtime_for(app) is None


def test_not_started_when_disabled(make_app: AppFactory, sqlite_url: str) -> None:
    app = make_app(sqlite_url, WORKER_IN_TESTS=True, WORKER_ENABLED=False)
    assert start_worker(app) is None


def test_not_started_in_the_reloader_parent(
    make_app: AppFactory, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sqlite_url, WORKER_IN_TESTS=True)
    monkeypatch.setenv("WERKZEUG_SERVER_FD", "3")
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert start_worker(app) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")  # the reloader's child serves: it may
    runtime = start_worker(app)
    assert runtime is not None


def test_started_once_with_its_settings(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=7, MULTITHREAD_FLOWISE=3)
    runtime = start_worker(app)
    assert runtime is not None
    assert start_worker(app) is runtime  # idempotent: one scheduler per process
    [job] = runtime.scheduler.get_jobs()
    assert job.max_instances == 1 and job.coalesce is True
    assert job.trigger.interval.total_seconds() == 7
    assert runtime.dispatcher.threads == 3
    assert runtime.listener is not None  # PostgreSQL: LISTEN for instant wake-ups
    assert runtime.alive()
    runtime.shutdown(1.0)
    assert not runtime.alive()


def test_other_cli_commands_do_not_start_it(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    result = run_cli(["stats", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[SCHEDULER] Background scheduler started" not in result.stderr
    result = run_cli(["worker", "--burst"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "[SCHEDULER] Background scheduler started - checking for tasks every 30 seconds"
        in result.stderr
    )
