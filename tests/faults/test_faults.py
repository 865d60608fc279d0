"""Fault injection on real PostgreSQL: every fault ends finished exactly once, or failed with a
clear reason, never stuck."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from avatar_data_generator import queue
from avatar_data_generator.workers.runtime import start_worker
from tests.conftest import AppFactory, cli_env, console_script
from tests.faults.helpers import (
    assert_exactly_once,
    flowise_config,
    rows,
    scalar,
    status,
    submit,
    wait_finished,
    wait_until,
)
from tests.standins.flowise import FlowiseStandIn

FAST_RETRY = {"RETRY_BASE_SECONDS": 0.05, "RETRY_MAX_SECONDS": 0.2}


@pytest.fixture
def slow_flowise() -> Any:
    """A stand-in whose every answer takes 2 s."""
    standin = FlowiseStandIn(delay=2.0).start()
    try:
        yield standin
    finally:
        standin.stop()


# --- the provider hangs past its timeout ------------------------------------------------------


def test_hanging_provider_is_retried_then_the_task_completes(
    make_app: AppFactory, pg_url: str, flowise: Any
) -> None:
    flowise.faults.extend(["hang"])
    app = make_app(
        pg_url,
        WORKER_IN_TESTS=True,
        WORKER_INTERVAL=1,
        MAX_BATCH_ATTEMPTS=3,
        **flowise_config(flowise.url, FLOWISE_TIMEOUT=0.5),
        **FAST_RETRY,
    )
    task_id = submit(app, count=10, batch_size=10, provider="flowise")
    started = time.monotonic()
    assert start_worker(app) is not None
    assert wait_finished(app, task_id, 20) == "completed"
    assert time.monotonic() - started < 15  # the hang cost one timeout, not an hour
    assert flowise.calls >= 2
    attempts = scalar(app, "SELECT attempts FROM generation_batches WHERE task_id = :t", t=task_id)
    assert attempts == 2
    assert_exactly_once(app, task_id, 10)


def test_provider_that_always_hangs_fails_the_task_with_a_clear_reason(
    make_app: AppFactory, pg_url: str, flowise: Any
) -> None:
    flowise.faults.extend(["hang"] * 5)
    app = make_app(
        pg_url,
        WORKER_IN_TESTS=True,
        WORKER_INTERVAL=1,
        MAX_BATCH_ATTEMPTS=2,
        **flowise_config(flowise.url, FLOWISE_TIMEOUT=0.4),
        **FAST_RETRY,
    )
    task_id = submit(app, count=5, batch_size=5, provider="flowise")
    assert start_worker(app) is not None
    assert wait_finished(app, task_id, 20) == "failed"
    error = scalar(app, "SELECT error FROM generation_tasks WHERE task_id = :t", t=task_id)
    assert "timed out" in error.lower() and "2 attempts" in error, error
    assert scalar(app, "SELECT count(*) FROM generation_batches WHERE status = 'running'") == 0
    assert scalar(app, "SELECT count(*) FROM generation_results WHERE task_id = :t", t=task_id) == 0


# --- the database fails while a batch is stored -----------------------------------------------


def test_database_error_mid_store_writes_nothing_and_the_batch_is_retried(
    make_app: AppFactory, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_finish = queue.finish_batches
    seen: dict[str, Any] = {"failures": 0, "after_failure": None}

    def flaky_finish(conn: Any, owner: str, results: list[queue.BatchResult]) -> Any:
        [result] = results  # one task: the completer stores its batches one group each
        if result.batch.batch_index == 1 and seen["failures"] == 0:
            seen["failures"] += 1
            # Half the batch really written in the finishing transaction, then the database
            # fails: the transaction must take the half back with it.
            half = result.personas[: len(result.personas) // 2]
            batch = result.batch
            assert queue.store_personas(conn, batch.task_id, batch.batch_index, half) == len(half)
            raise OperationalError("INSERT INTO generation_results", {}, Exception("injected"))
        return real_finish(conn, owner, results)

    monkeypatch.setattr(queue, "finish_batches", flaky_finish)
    app = make_app(
        pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=1, MULTITHREAD_FLOWISE=1, **FAST_RETRY
    )
    task_id = submit(app, count=30, batch_size=10, provider="local")
    assert start_worker(app) is not None
    assert wait_finished(app, task_id, 30) == "completed"
    assert seen["failures"] == 1
    batch = rows(
        app,
        "SELECT status, attempts FROM generation_batches WHERE task_id = :t AND batch_index = 1",
        t=task_id,
    )[0]
    assert tuple(batch) == ("done", 2)
    per_batch = rows(
        app,
        "SELECT batch_index, count(*) FROM generation_results WHERE task_id = :t"
        " GROUP BY batch_index ORDER BY batch_index",
        t=task_id,
    )
    assert [tuple(r) for r in per_batch] == [(0, 10), (1, 10), (2, 10)]
    assert_exactly_once(app, task_id, 30)
    finished = scalar(
        app, "SELECT batches_done FROM generation_tasks WHERE task_id = :t", t=task_id
    )
    assert finished == 3  # the failed attempt did not count a batch as done


def test_trigger_raising_inside_postgres_rolls_the_whole_batch_back(
    make_app: AppFactory, pg_url: str
) -> None:
    app = make_app(
        pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=1, MULTITHREAD_FLOWISE=1, **FAST_RETRY
    )
    from sqlalchemy import text

    from avatar_data_generator.db import db

    with app.app_context(), db.engine.begin() as conn:
        # The 6th row of the first attempt raises: rows 1-5 were already inserted by then.
        # A sequence is not transactional, so the fault fires once and survives the rollback.
        conn.execute(text("CREATE SEQUENCE fault_fired"))
        conn.execute(
            text(
                "CREATE FUNCTION fault_once() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN IF NEW.position = 5 AND nextval('fault_fired') = 1 THEN"
                "   RAISE EXCEPTION 'injected storage failure';"
                " END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER fault_once BEFORE INSERT ON generation_results"
                " FOR EACH ROW EXECUTE FUNCTION fault_once()"
            )
        )
    task_id = submit(app, count=10, batch_size=10, provider="local")
    assert start_worker(app) is not None
    assert wait_finished(app, task_id, 30) == "completed"
    attempts = scalar(
        app, "SELECT max(attempts) FROM generation_batches WHERE task_id = :t", t=task_id
    )
    assert attempts >= 2
    assert_exactly_once(app, task_id, 10)


# --- the LISTEN connection is cut -------------------------------------------------------------


def test_listener_cut_reconnects_and_work_still_flows(make_app: AppFactory, pg_url: str) -> None:
    # WORKER_INTERVAL=60: only a NOTIFY (or the wake on reconnect) can start work in time.
    app = make_app(pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=60)
    runtime = start_worker(app)
    assert runtime is not None and runtime.listener is not None
    listener = runtime.listener
    assert listener.connected.wait(10)
    before = listener.reconnects

    listener.break_connection()
    task_during = submit(app, count=5, batch_size=5, provider="local")  # while it is down
    assert wait_finished(app, task_during, 15) == "completed"
    assert wait_until(lambda: listener.reconnects > before and listener.connected.is_set(), 15)

    submitted = time.monotonic()
    task_after = submit(app, count=5, batch_size=5, provider="local")
    assert wait_finished(app, task_after, 15) == "completed"
    assert time.monotonic() - submitted < 5  # woken by NOTIFY again, not by the 60 s tick
    assert_exactly_once(app, task_during, 5)
    assert_exactly_once(app, task_after, 5)


# --- SIGTERM during a batch of a real worker process ------------------------------------------


def test_sigterm_mid_batch_releases_the_lease_and_another_worker_finishes(
    make_app: AppFactory, pg_url: str, slow_flowise: FlowiseStandIn, tmp_path: Path
) -> None:
    config = flowise_config(slow_flowise.url)
    app = make_app(pg_url, **config)
    task_id = submit(app, count=40, batch_size=10, provider="flowise")  # 4 batches of ~2 s
    env = cli_env(
        pg_url,
        **config,
        MULTITHREAD_FLOWISE=2,
        WORKER_INTERVAL=1,
        GRACEFUL_TIMEOUT=0.5,
        LEASE_SECONDS=30,
    )
    first = subprocess.Popen(
        [console_script(), "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_until(
            lambda: (
                scalar(app, "SELECT count(*) FROM generation_batches WHERE status = 'running'") == 2
                and slow_flowise.in_flight == 2
            ),
            30,
        )
        owner = scalar(
            app, "SELECT min(lease_owner) FROM generation_batches WHERE status = 'running'"
        )
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=20)
        assert first.returncode == 0, out
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # Released at once (not left to expire after LEASE_SECONDS=30), and the attempt not counted.
    leased = scalar(app, "SELECT count(*) FROM generation_batches WHERE lease_owner = :o", o=owner)
    assert leased == 0, out
    assert scalar(app, "SELECT count(*) FROM generation_batches WHERE status = 'running'") == 0
    assert (
        scalar(app, "SELECT max(attempts) FROM generation_batches WHERE task_id = :t", t=task_id)
        <= 1
    )
    assert status(app, task_id) == "generating-data"

    second = subprocess.run(
        [console_script(), "worker", "--burst"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert status(app, task_id) == "completed"
    assert_exactly_once(app, task_id, 40)
    # The released attempts' late answers (if any) were fenced out: 4 batches stored once each.
    assert (
        scalar(
            app,
            "SELECT count(*) FROM generation_batches WHERE task_id = :t AND status = 'done'",
            t=task_id,
        )
        == 4
    )
