"""Cancel and retry while batches are stored: gunicorn -w 3, a Flowise stand-in at 0.2 s a call.

A big task gets N cancel+retry cycles over the API while the three processes work it, and 30
small tasks are cancelled 0.3-0.9 s after submit and retried. Every task must end `completed`
with exactly the personas it asked for: the figures count the stuck, the extra and the missing.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import psycopg

from benchmarks import common


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(env: dict[str, str]) -> str:
    for args in (
        ["create-user", "bench", "--password", "bench-password-1"],
        ["create-token", "bench"],
    ):
        done = subprocess.run(
            [common.console_script(), *args], env=env, capture_output=True, text=True, check=True
        )
    return done.stdout.split()[-1]


def _gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    env = env | {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "3"}
    conf = str(common.ROOT / "gunicorn.conf.py")
    out = common.log_file("cancel-retry-gunicorn")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", conf, "avatar_data_generator.wsgi:app"],
        env=env,
        cwd=common.ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    ok = common.wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 60, 0.2)
    if not ok:
        proc.kill()
        raise RuntimeError("gunicorn did not answer")
    return proc


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _cycle(api: httpx.Client, task_id: str) -> None:
    """Cancel, then retry; the task may have completed before the cancel."""
    if api.post(f"/api/tasks/{task_id}/cancel").status_code == 200:
        response = api.post(f"/api/tasks/{task_id}/retry")
        assert response.status_code == 200, response.text


def _tally(url: str) -> dict[str, Any]:
    with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT t.task_id, t.status, t.requested, t.generated,"
            " (SELECT count(*) FROM generation_results r WHERE r.task_id = t.task_id)"
            " FROM generation_tasks t"
        ).fetchall()
    return {
        "tasks": len(rows),
        "completed": sum(1 for r in rows if r[1] == "completed"),
        "stuck": sum(1 for r in rows if r[1] != "completed"),
        "extra": sum(max(0, r[4] - r[2]) for r in rows),
        "missing": sum(max(0, r[2] - r[4]) for r in rows),
        "counter_mismatch": sum(1 for r in rows if r[3] != r[4]),
    }


def run(quick: bool) -> dict[str, Any]:
    """The big task's cycles and the small tasks' early cancels; all must end whole."""
    big, cycles = (3000, 20) if quick else (10_000, 50)
    rng = random.Random(11)
    port, api_port = _free_port(), _free_port()
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.standins.flowise", "--port", str(port), "--delay", "0.2"],
        cwd=common.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    flowise = {
        "FLOWISE_API_URL": f"http://127.0.0.1:{port}",
        "FLOWISE_CHATFLOW_ID": str(uuid.uuid4()),
        "FLOWISE_TIMEOUT": 30,
        "GENERATOR_PROVIDER": "flowise",
        "WORKER_INTERVAL": 1,
        "MAX_PERSONAS_PER_TASK": big,
    }
    try:
        with common.fresh_database("cancel_retry") as url:
            env = common.worker_env(url, **flowise)
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            headers = {"Authorization": f"Bearer {_token(env)}"}
            server = _gunicorn(env, api_port)
            started = time.monotonic()
            try:
                with httpx.Client(
                    base_url=f"http://127.0.0.1:{api_port}", headers=headers, timeout=30
                ) as api:
                    task = api.post("/api/tasks", json={"count": big, "batch_size": 10}).json()
                    for _ in range(cycles):
                        time.sleep(rng.uniform(0.1, 0.4))
                        _cycle(api, task["task_id"])
                    small = [
                        api.post("/api/tasks", json={"count": 40, "batch_size": 10}).json()
                        for _ in range(30)
                    ]
                    for one in small:
                        time.sleep(rng.uniform(0.01, 0.03))
                        _cycle(api, one["task_id"])
                    common.wait_until(lambda: _tally(url)["stuck"] == 0, 600, 0.5)
                seconds = time.monotonic() - started
                tally = _tally(url)
            finally:
                server.terminate()
                server.wait(timeout=60)
    finally:
        standin.terminate()
        standin.wait(timeout=10)
    return {
        "cancel_retry_cycles": cycles,
        "cancel_retry_big_task": big,
        "cancel_retry_tasks": tally["tasks"],
        "cancel_retry_completed": tally["completed"],
        "cancel_retry_stuck_tasks": tally["stuck"],
        "cancel_retry_extra_personas": tally["extra"],
        "cancel_retry_missing_personas": tally["missing"],
        "cancel_retry_counter_mismatches": tally["counter_mismatch"],
        "cancel_retry_seconds": round(seconds, 1),
        "cancel_retry_setup": (
            f"gunicorn -w 3 on PostgreSQL, Flowise stand-in at 0.2 s a call; {cycles} cancel+retry"
            f" cycles on a {big:,}-persona task, then 30 tasks of 40 cancelled and retried early"
        ),
    }


if __name__ == "__main__":
    import json

    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(json.dumps(run("--quick" in sys.argv), indent=2))
