"""`serve` and `worker`, run for real: a busy port, and SQLite's cheap poll for new work."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from tests.conftest import cli_env, run_cli, worker_processes


def test_sqlite_worker_sees_a_submit_from_another_process_without_waiting_a_tick(
    sqlite_url: str, tmp_path: Path
) -> None:
    """No NOTIFY on SQLite: a cheap one-second poll stands in, not the 30 s scheduler tick."""
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"), WORKER_INTERVAL=30)
    with worker_processes(1, env, tmp_path):
        time.sleep(3)  # started, first tick taken, idle
        task = json.loads(run_cli(["submit", "--count", "5", "--json"], env, tmp_path).stdout)
        deadline = time.monotonic() + 10
        status = task
        while time.monotonic() < deadline and status["started_at"] is None:
            time.sleep(0.3)
            status = json.loads(
                run_cli(["status", task["task_id"], "--json"], env, tmp_path).stdout
            )
    assert status["started_at"] is not None


def test_serve_on_a_busy_port_says_so_and_creates_nothing(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(["serve", "--port", str(port)], env, tmp_path, timeout=60)
    assert result.returncode != 0
    assert "in use" in (result.stdout + result.stderr)
    assert "Traceback" not in result.stderr
    assert "First run" not in result.stdout  # the admin's one-time password was not spent
    assert "[SCHEDULER] Background scheduler started" not in result.stderr
