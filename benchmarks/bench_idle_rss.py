"""Idle RSS of the worker: `serve` (with the in-process worker) minus `serve --no-worker`.

Both start on a free port against the same empty database, settle, then RSS is read with
psutil several times; the figure is the median difference of a few alternating pairs.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Any

import psutil

from benchmarks import common


def _rss_after_settle(url: str, args: list[str], settle: float) -> float:
    env = common.worker_env(url, WORKER_INTERVAL=30)
    out = common.log_file("idle")
    proc = subprocess.Popen(
        [common.console_script(), "serve", "--port", "0", *args],
        env=env,
        cwd=common.ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            out.seek(0)
            if "Serving on" in out.read():
                break
            if proc.poll() is not None:
                out.seek(0)
                raise RuntimeError(f"serve exited: {out.read()[-1000:]}")
            time.sleep(0.1)
        time.sleep(settle)
        samples = []
        for _ in range(5):
            samples.append(psutil.Process(proc.pid).memory_info().rss / 2**20)
            time.sleep(0.2)
        return statistics.median(samples)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(quick: bool) -> dict[str, Any]:
    """Median over pairs of (with worker - without)."""
    pairs = 2 if quick else 4
    settle = 4.0 if quick else 10.0
    diffs, with_w, without = [], [], []
    with common.fresh_database("idle") as url:
        for _ in range(pairs):
            a = _rss_after_settle(url, [], settle)
            b = _rss_after_settle(url, ["--no-worker"], settle)
            with_w.append(a)
            without.append(b)
            diffs.append(a - b)
    return {
        "scheduler_idle_rss_mb": round(statistics.median(diffs), 2),
        "idle_rss_with_worker_mb": round(statistics.median(with_w), 1),
        "idle_rss_without_worker_mb": round(statistics.median(without), 1),
        "scheduler_idle_rss_setup": (
            f"`serve --port 0` minus `serve --port 0 --no-worker`, {settle:g}s settle, "
            f"median of {pairs} alternating pairs, RSS via psutil"
        ),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
