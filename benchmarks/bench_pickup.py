"""Pickup latency: submit from this process -> `started_at` set by a real `worker` subprocess.

Once with the LISTEN/NOTIFY wake-up (ours), once with WORKER_WAKEUP=false (the seed's way:
the next scheduler tick picks the task up). Tasks are spaced at random so polling is sampled
at every phase of its interval.
"""

from __future__ import annotations

import random
import time
from typing import Any

from benchmarks import common


def _measure(
    url: str, *, wakeup: bool, interval: float, tasks: int, gap: tuple[float, float]
) -> dict[str, Any]:
    from avatar_data_generator.tasks import create_task

    env = common.worker_env(
        url, WORKER_INTERVAL=interval, WORKER_WAKEUP=str(wakeup).lower(), MULTITHREAD_FLOWISE=5
    )
    app = common.make_app(url)
    rng = random.Random(6)
    ids: list[str] = []
    label = "pickup-wake" if wakeup else "pickup-poll"
    with common.processes([[common.console_script(), "worker"]], env, label):
        if wakeup:
            if not common.wait_for_listener(url):
                raise RuntimeError("the worker's LISTEN connection never appeared")
        else:
            # The first tick runs at start; wait for it (a queue sample row) so we start cold.
            common.wait_until(
                lambda: bool(common.sql_scalar(url, "SELECT count(*) FROM queue_samples")), 30, 0.1
            )
        time.sleep(0.5)
        with app.app_context():
            for _ in range(tasks):
                time.sleep(rng.uniform(*gap))
                task, _created = create_task(count=1, batch_size=1, provider="local")
                ids.append(task.task_id)
        ok = common.wait_until(
            lambda: (
                common.sql_scalar(
                    url, "SELECT count(*) FROM generation_tasks WHERE started_at IS NULL"
                )
                == 0
            ),
            interval * 2 + 30,
            0.1,
        )
    if not ok:
        raise RuntimeError("some tasks were never picked up")
    import psycopg

    with psycopg.connect(common.conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM started_at - created_at) * 1000 FROM generation_tasks"
        ).fetchall()
    with app.app_context():
        from avatar_data_generator.db import db

        db.engine.dispose()
    samples = [float(r[0]) for r in rows]
    return {
        "p50": round(common.percentile(samples, 50), 2),
        "p99": round(common.percentile(samples, 99), 2),
        "max": round(max(samples), 2),
        "samples_ms": [round(s, 2) for s in samples],
    }


def run(quick: bool) -> dict[str, Any]:
    """Both strategies, side by side."""
    tasks = 20 if quick else 40
    with common.fresh_database("pickup") as url:
        ours = _measure(url, wakeup=True, interval=30, tasks=tasks, gap=(0.1, 0.4))
    poll_interval = 5.0 if quick else 30.0
    poll_gap = (0.1, 0.5) if quick else (0.5, 2.5)
    with common.fresh_database("pickup_poll") as url:
        seed = _measure(url, wakeup=False, interval=poll_interval, tasks=20, gap=poll_gap)
    return {
        "pickup_latency_p50_ms": ours["p50"],
        "pickup_latency_p99_ms": ours["p99"],
        "pickup_latency_max_ms": ours["max"],
        "pickup_latency_tasks": tasks,
        "pickup_latency_worker_interval_s": 30,
        "pickup_latency_polling_p50_ms": seed["p50"],
        "pickup_latency_polling_p99_ms": seed["p99"],
        "pickup_latency_polling_max_ms": seed["max"],
        "pickup_latency_polling_tasks": 20,
        "pickup_latency_polling_worker_interval_s": poll_interval,
        "pickup_latency_polling_note": (
            "WORKER_WAKEUP=false; --quick uses WORKER_INTERVAL=5 (not 30) to stay short, so the "
            "polling p99 scales with the interval (~interval x 0.99)"
            if quick
            else "WORKER_WAKEUP=false, WORKER_INTERVAL=30"
        ),
        "_samples": {"pickup_ours_ms": ours["samples_ms"], "pickup_polling_ms": seed["samples_ms"]},
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
