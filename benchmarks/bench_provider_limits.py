"""Providers at their limit: a rate-limited stand-in, and one that goes down for a while.

Rate limit: a Flowise stand-in serves R calls a second (a token bucket, bursts of R) and answers
429 with Retry-After beyond it; two worker processes share 3 x R x latency threads. Side by side
in one run: adaptive concurrency, and the same processes with it switched off (a fixed
concurrency). Throughput is successful calls a second over R; the 429 share is over all calls.

Outage: 20 tasks run against a stand-in that goes down in the middle (connections refused) and
comes back; every task must complete, soon after the provider's return, with no batch spending
more than two attempts.
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any

import psycopg

from benchmarks import common

RATE = 8.0
LATENCY = 0.5


def _standin(**kwargs: Any) -> Any:
    sys.path.insert(0, str(common.ROOT))
    from tests.standins.flowise import FlowiseStandIn

    return FlowiseStandIn(**kwargs).start()


def _flowise_env(url: str, standin: Any, **extra: Any) -> dict[str, str]:
    return common.worker_env(
        url,
        FLOWISE_API_URL=standin.url,
        FLOWISE_CHATFLOW_ID=str(uuid.uuid4()),
        FLOWISE_TIMEOUT=30,
        GENERATOR_PROVIDER="flowise",
        WORKER_INTERVAL=1,
        RETRY_BASE_SECONDS=0.2,
        RETRY_MAX_SECONDS=2,
        **extra,
    )


def _submit(url: str, standin: Any, tasks: int, count: int, batch: int) -> None:
    from avatar_data_generator.tasks import create_task

    app = common.make_app(url, FLOWISE_API_URL=standin.url, FLOWISE_CHATFLOW_ID=str(uuid.uuid4()))
    with app.app_context():
        for _ in range(tasks):
            create_task(count=count, batch_size=batch, provider="flowise")


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
        done, failed, total = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'completed'),"
            " count(*) FILTER (WHERE status = 'failed'), count(*) FROM generation_tasks"
        ).fetchone()  # type: ignore[misc]
        attempts, over_two = conn.execute(
            "SELECT max(attempts), count(*) FILTER (WHERE attempts > 2) FROM generation_batches"
        ).fetchone()  # type: ignore[misc]
    return {
        "done": done,
        "failed": failed,
        "total": total,
        "attempts": int(attempts or 0),
        "over_two": int(over_two or 0),
    }


def _rate_limited(adaptive: bool, batches: int) -> dict[str, Any]:
    """One run against the rate-limited stand-in; throughput over R and the 429 share."""
    threads = int(3 * RATE * LATENCY) // 2  # two processes: 3 x R x latency in all
    standin = _standin(delay=LATENCY, rate_limit=RATE)
    try:
        with common.fresh_database(f"rate_{int(adaptive)}") as url:
            _submit(url, standin, batches // 20, 40, 2)
            env = _flowise_env(
                url,
                standin,
                MULTITHREAD_FLOWISE=threads,
                ADAPTIVE_CONCURRENCY=str(adaptive).lower(),
            )
            started = time.monotonic()
            with common.processes([[common.console_script(), "worker"]] * 2, env, "rate"):
                finished = common.wait_until(
                    lambda: _counts(url)["done"] + _counts(url)["failed"] == batches // 20,
                    batches / RATE * 6 + 60,
                    0.5,
                )
            seconds = time.monotonic() - started
            counts = _counts(url)
    finally:
        standin.stop()
    arrivals = standin.arrivals
    served = [at for at, ok in arrivals if ok]
    # From the first call to the end of the last one served: worker start-up is not counted.
    span = served[-1] + LATENCY - arrivals[0][0] if served else seconds
    first = arrivals[0][0] if arrivals else 0.0
    return {
        "finished": finished,
        "seconds": round(seconds, 1),
        "busy_seconds": round(span, 1),
        "throughput_ratio": round(len(served) / span / RATE, 3),
        "share_429": round(standin.throttled / max(1, standin.calls), 4),
        "calls": standin.calls,
        "seconds_of_429s": [round(at - first, 1) for at, ok in arrivals if not ok][:60],
        "tasks_failed": counts["failed"],
    }


def _outage(down_seconds: float) -> dict[str, Any]:
    """20 tasks, the provider down in the middle; failed tasks and the time to recover."""
    standin = _standin(delay=LATENCY)
    try:
        with common.fresh_database("outage") as url:
            _submit(url, standin, 20, 30, 3)  # 200 batches
            env = _flowise_env(url, standin, MULTITHREAD_FLOWISE=5, BREAKER_COOLDOWN_SECONDS=5)
            with common.processes([[common.console_script(), "worker"]] * 2, env, "outage"):
                common.wait_until(lambda: standin.calls >= 60, 120, 0.2)
                standin.go_down()
                time.sleep(down_seconds)
                back = time.monotonic()
                standin.come_back()
                common.wait_until(
                    lambda: _counts(url)["done"] + _counts(url)["failed"] == 20, 300, 0.2
                )
                recovered = time.monotonic() - back
            counts = _counts(url)
    finally:
        standin.stop()
    return {
        "outage_tasks_failed": counts["failed"] + (20 - counts["done"] - counts["failed"]),
        "outage_seconds_to_complete_after_return": round(recovered, 1),
        "outage_max_attempts": counts["attempts"],
        "outage_batches_over_two_attempts": counts["over_two"],
        "outage_down_seconds": down_seconds,
    }


def run(quick: bool) -> dict[str, Any]:
    """Both rate-limit runs side by side, then the outage."""
    batches = 240 if quick else 480
    adaptive = _rate_limited(True, batches)
    fixed = _rate_limited(False, batches)
    outage = _outage(20.0 if quick else 60.0)
    return {
        "rate_limited_throughput_ratio": adaptive["throughput_ratio"],
        "rate_limited_429_share": adaptive["share_429"],
        "rate_limited_fixed_throughput_ratio": fixed["throughput_ratio"],
        "rate_limited_fixed_429_share": fixed["share_429"],
        "rate_limited_runs": {"adaptive": adaptive, "fixed": fixed},
        "rate_limited_setup": (
            f"stand-in R={RATE:g} calls/s (token bucket, bursts of R), latency {LATENCY}s;"
            f" 2 worker processes x {int(3 * RATE * LATENCY) // 2} threads = 3 x R x latency;"
            f" {batches} calls' worth of batches"
        ),
        **outage,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
