"""Draw docs/benchmarks-latency-utilization.png from benchmarks/results.json."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PNG = ROOT / "docs" / "benchmarks-latency-utilization.png"


def draw(results: dict[str, Any], path: Path = PNG) -> Path:
    """Pickup latency (log scale) and utilization, ours beside the seed's strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    interval = results.get("pickup_latency_polling_worker_interval_s")
    labels = ["ours\n(LISTEN/NOTIFY)", f"seed\n(polling, {interval:g}s)" if interval else "seed"]
    p50 = [results.get("pickup_latency_p50_ms", 0), results.get("pickup_latency_polling_p50_ms", 0)]
    p99 = [results.get("pickup_latency_p99_ms", 0), results.get("pickup_latency_polling_p99_ms", 0)]
    x = range(len(labels))
    left.bar([i - 0.2 for i in x], p50, width=0.4, label="p50", color="#4c72b0")
    left.bar([i + 0.2 for i in x], p99, width=0.4, label="p99", color="#dd8452")
    for i, v in enumerate(p99):
        left.text(i + 0.2, v, f"{v:,.0f} ms", ha="center", va="bottom", fontsize=8)
    left.axhline(100, color="grey", ls="--", lw=1, label="goal p99 < 100 ms")
    left.set_yscale("log")
    left.set_xticks(list(x), labels)
    left.set_ylabel("submit -> started_at (ms, log scale)")
    left.set_title("Pickup latency")
    left.legend(fontsize=8)
    util = [
        results.get("utilization_wall_over_ideal", 0),
        results.get("utilization_seed_strategy", 0),
    ]
    bars = right.bar(
        ["ours\n(dispatcher, batches)", "seed\n(one task per process)"],
        util,
        color=["#4c72b0", "#c44e52"],
    )
    for bar, v in zip(bars, util, strict=True):
        right.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.2f}", ha="center", va="bottom")
    right.axhline(1.0, color="black", lw=0.8)
    right.axhline(1.1, color="grey", ls="--", lw=1, label="goal <= 1.1")
    right.set_ylabel("wall / ideal (1.0 = cap always busy)")
    right.set_title("Utilization: wall / ideal, same load and cap")
    setup = str(results.get("utilization_setup", "")).split(";")[0]
    right.text(
        0.5,
        -0.2,
        textwrap.fill(setup, 80),
        transform=right.transAxes,
        ha="center",
        va="top",
        fontsize=7,
    )
    right.legend(fontsize=8)
    fig.suptitle(
        f"avatar-data-generator benchmarks ({results.get('mode')}, "
        f"{results.get('started_at', '')[:16]}Z, shared 2-core machine)",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benchmarks" / "results.json"
    print(draw(json.loads(source.read_text())))
