"""A PostgreSQL restart mid-task, on a private server this test starts itself.

gunicorn's workers lose every connection (pool, LISTEN, heartbeat); /healthz says 503 while the
database is away; afterwards they reconnect and the task completes with exactly its personas.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask

from tests.conftest import AppFactory, cli_env, migrate
from tests.ops.helpers import Gunicorn, PrivatePostgres, http_get, wait_for
from tests.standins.flowise import FlowiseStandIn

pytestmark = pytest.mark.slow


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().init()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def test_postgres_restart_mid_task(
    private_pg: PrivatePostgres, make_app: AppFactory, tmp_path: Path
) -> None:
    with psycopg.connect(
        private_pg.admin_url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE adg")
    url = private_pg.url("adg")
    migrate(url, tmp_path / "instance")
    flowise = FlowiseStandIn(delay=0.3).start()
    settings = {
        "GENERATOR_PROVIDER": "flowise",
        "FLOWISE_API_URL": flowise.url,
        "FLOWISE_CHATFLOW_ID": "0b8a4f0e-8a55-4a55-9f8e-3f1f0c7d9e21",
        "MULTITHREAD_FLOWISE": 2,
        "WORKER_INTERVAL": 1,
        "LEASE_SECONDS": 4,
        "RETRY_BASE_SECONDS": 0.2,
        "RETRY_MAX_SECONDS": 1,
        "SECRET_KEY": "ops-test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env = cli_env(url, **settings, GRACEFUL_TIMEOUT=5, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "m"))
    server = Gunicorn(env, tmp_path, tmp_path / "gunicorn.log", workers=2)
    try:
        server.start()
        app: Flask = make_app(url, **settings)
        result = app.test_cli_runner().invoke(
            args=["submit", "--count", "120", "--batch-size", "10", "--json"]
        )
        assert result.exit_code == 0, result.output
        task_id = json.loads(result.output.strip().splitlines()[-1])["task_id"]
        with app.app_context():
            from avatar_data_generator.db import db

            db.engine.dispose()  # the test's own app holds no connection across the restart
        wait_for(
            lambda: (
                _count(url, "SELECT COUNT(*) FROM generation_batches WHERE status = 'done'") >= 2
            ),
            timeout=20,
        )
        private_pg.stop("fast")
        status, body, _ = http_get(f"{server.url}/healthz")
        assert status == 503, body
        assert json.loads(body)["database"]["reachable"] is False
        time.sleep(2.0)
        private_pg.start()

        def completed() -> bool:
            try:
                return (
                    _count(
                        url,
                        "SELECT COUNT(*) FROM generation_tasks"
                        f" WHERE task_id = '{task_id}' AND status = 'completed'",
                    )
                    == 1
                )
            except psycopg.Error:
                return False

        wait_for(completed, timeout=60, interval=0.3)
        assert _count(url, "SELECT COUNT(DISTINCT id) FROM generation_results") == 120
        assert _count(url, "SELECT COUNT(*) FROM generation_results") == 120
        status, body, _ = http_get(f"{server.url}/healthz")
        data = json.loads(body)
        assert status == 200 and data["database"]["reachable"], data
        # Both workers are back: heartbeat healthy and the listener reconnected, whichever answers.
        wait_for(
            lambda: (
                (d := json.loads(http_get(f"{server.url}/healthz")[1]))["worker"]["heartbeat"][
                    "healthy"
                ]
                and d["worker"]["listener"]["connected"]
            ),
            timeout=20,
        )
        assert server.terminate(timeout=60) == 0
        log = server.log()
        assert "Heartbeat recovered" in log or "Heartbeat failed" not in log
        print(json.dumps({"flowise_calls": flowise.calls, "batches": 12, "personas": 120}))
    finally:
        server.kill()
        flowise.stop()
