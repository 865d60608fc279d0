"""Pages on the embedded default while it works: `GET /tasks` latency on SQLite under load.

`serve` runs as `make run` runs it (SQLite in the instance folder, the in-process worker, the
local provider). A logged-in client reads the task list while the server is idle, then while a
10,000-persona task is generated in the same process; both series come from one run.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks import common

PASSWORD = "bench-password-1"


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [common.console_script(), *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args}: {done.stderr[-2000:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[bytes]:
    log = (cwd / "serve.log").open("wb")
    proc = subprocess.Popen(
        [common.console_script(), "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError((cwd / "serve.log").read_text())


def _login(client: httpx.Client) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page[:500]
    answer = client.post(
        "/login",
        data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code in (200, 302) and "session" in client.cookies, answer.text[:500]


def _sample(client: httpx.Client, until: Any, pause: float = 0.02) -> list[float]:
    """GET /tasks until `until()` is true; the latency of each, in ms."""
    out = []
    while not until():
        started = time.perf_counter()
        response = client.get("/tasks")
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        time.sleep(pause)
    return out


def _p(values: list[float], q: float) -> float | None:
    return round(common.percentile(values, q), 2) if values else None


def run(quick: bool) -> dict[str, Any]:
    """Idle and under-load page latency; the goal is p95 under load below 150 ms."""
    work = Path(tempfile.mkdtemp(prefix="adg-bench-sqlite-"))
    env = common.worker_env("", INSTANCE_PATH=str(work / "instance"), WORKER_INTERVAL="1")
    env.pop("DATABASE_URL")  # the embedded default, as `make run` uses it
    _cli(["db", "upgrade"], env, work)
    _cli(["create-user", "bench", "--password", PASSWORD], env, work)
    for _ in range(20):  # a list with some history, as a team's would have
        _cli(["submit", "--count", "20"], env, work)
    port = _free_port()
    proc = _serve(env, work, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _login(client)
            idle_end = time.monotonic() + (3 if quick else 6)
            time.sleep(2)  # the 20 small tasks are done by now
            idle = _sample(client, lambda: time.monotonic() > idle_end)
            token = _cli(["create-token", "bench"], env, work).split()[-1]
            started = time.monotonic()
            task = client.post(
                "/api/tasks",
                json={"count": 10_000, "provider": "local"},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            status = f"/api/tasks/{task['task_id']}"
            auth = {"Authorization": f"Bearer {token}"}
            state = {"done": False}

            def finished() -> bool:
                if not state["done"]:
                    body = client.get(status, headers=auth).json()
                    state["done"] = body["status"] in ("completed", "failed", "cancelled")
                return state["done"]

            loaded = _sample(client, finished)
            task_seconds = time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "sqlite_page_p95_ms_under_load": _p(loaded, 95),
        "sqlite_page_p50_ms_under_load": _p(loaded, 50),
        "sqlite_page_max_ms_under_load": round(max(loaded), 2) if loaded else None,
        "sqlite_page_samples_under_load": len(loaded),
        "sqlite_page_p95_ms_idle": _p(idle, 95),
        "sqlite_page_task_10k_seconds": round(task_seconds, 2),
    }
