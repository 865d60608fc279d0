"""Utilization: T tasks x B batches against a Flowise stand-in of latency L with a global cap C.

wall / (ceil(T*B/C) * L): 1.0 means the C provider slots never sat idle. Ours: real `worker`
processes (dispatcher + LISTEN/NOTIFY + advisory-lock slots). The seed's strategy: the same
number of processes, each looping process_single_task() (one task at a time, MULTITHREAD_FLOWISE
threads on it), same cap. Wall = last finished_at - first started_at (start-up not counted).
"""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

import psycopg

from benchmarks import common


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wall(url: str, tasks: int) -> tuple[float, int]:
    with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
        done, secs = conn.execute(
            "SELECT count(*), extract(epoch FROM max(finished_at) - min(started_at))"
            " FROM generation_tasks WHERE status = 'completed'"
        ).fetchone()  # type: ignore[misc]
    if done != tasks:
        raise RuntimeError(f"only {done} of {tasks} tasks completed")
    return float(secs), int(done)


def _submit(url: str, flowise_env: dict[str, str], tasks: int, batches: int, size: int) -> None:
    from avatar_data_generator.db import db
    from avatar_data_generator.tasks import create_task

    app = common.make_app(url, **flowise_env)
    with app.app_context():
        for _ in range(tasks):
            create_task(count=batches * size, batch_size=size, provider="flowise")
        db.engine.dispose()


def _done(url: str, tasks: int) -> bool:
    n = common.sql_scalar(
        url,
        "SELECT count(*) FROM generation_tasks"
        " WHERE status IN ('completed', 'failed', 'cancelled')",
    )
    return bool(n == tasks)


def run(quick: bool) -> dict[str, Any]:
    """Ours and the seed's strategy on the same load."""
    # 2 processes x MULTITHREAD_FLOWISE=C/2 threads: together exactly the cap, the natural setting.
    T, B, C, L = (6, 5, 8, 2.0) if quick else (12, 5, 8, 2.0)
    procs, size = 2, 5
    threads = C // procs
    port = _free_port()
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.standins.flowise", "--port", str(port), "--delay", str(L)],
        cwd=common.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    flowise_env = {
        "FLOWISE_API_URL": f"http://127.0.0.1:{port}",
        "FLOWISE_CHATFLOW_ID": str(uuid.uuid4()),
        "FLOWISE_TIMEOUT": 30,
        "MULTITHREAD_FLOWISE": threads,
        "FLOWISE_MAX_CONCURRENCY": C,
        "PERSONAS_PER_BATCH": size,
        "GENERATOR_PROVIDER": "flowise",
        "WORKER_INTERVAL": 30,
    }
    ideal = math.ceil(T * B / C) * L
    try:
        common.wait_until(lambda: _port_open(port), 20)
        with common.fresh_database("util") as url:
            env = common.worker_env(url, **flowise_env)
            with common.processes([[common.console_script(), "worker"]] * procs, env, "util"):
                if not common.wait_for_listener(url):
                    raise RuntimeError("workers never listened")
                time.sleep(1.0)
                _submit(url, {k: v for k, v in flowise_env.items()}, T, B, size)
                if not common.wait_until(lambda: _done(url, T), ideal * 10 + 60, 0.1):
                    raise RuntimeError("utilization run did not finish")
            ours, _ = _wall(url, T)
        with common.fresh_database("util_seed") as url:
            _submit(url, flowise_env, T, B, size)
            env = common.worker_env(url, **flowise_env)
            with common.processes(
                [[sys.executable, "-m", "benchmarks.seed_worker"]] * procs, env, "util-seed"
            ) as ps:
                for p in ps:
                    p.wait(timeout=ideal * 10 + 60)
            seed, _ = _wall(url, T)
    finally:
        standin.terminate()
        standin.wait(timeout=10)
    return {
        "utilization_wall_over_ideal": round(ours / ideal, 3),
        "utilization_seed_strategy": round(seed / ideal, 3),
        "utilization_wall_s": round(ours, 3),
        "utilization_seed_wall_s": round(seed, 3),
        "utilization_ideal_s": ideal,
        "utilization_setup": (
            f"T={T} tasks x B={B} batches of {size}, stand-in latency L={L}s, global cap "
            f"C={C} (FLOWISE_MAX_CONCURRENCY), {procs} processes x MULTITHREAD_FLOWISE={threads}; "
            "seed strategy = the same processes looping process_single_task()"
        ),
    }


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
