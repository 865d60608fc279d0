"""Local provider speed beside a plain Faker loop, measured in a fresh process.

Runs `python -m benchmarks.bench_local_provider [--quick]` (JSON on stdout) so the figures come
from a process that has loaded nothing else, and takes its summary figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks import common

TOP = (
    "local_provider_personas_per_s",
    "local_pipeline_personas_per_s",
    "faker_baseline_personas_per_s",
    "speedup_vs_faker",
)


def run(quick: bool) -> dict[str, Any]:
    """The provider script's figures; a failure raises with its stderr."""
    cmd = [sys.executable, "-m", "benchmarks.bench_local_provider", *(["--quick"] if quick else [])]
    proc = subprocess.run(
        cmd, cwd=common.ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench_local_provider failed: {proc.stderr[-500:]}")
    text = proc.stdout.strip()
    data = json.loads(text[text.index("{") :])
    details = {k: v for k, v in data.items() if k not in TOP}
    return {k: data[k] for k in TOP} | {"local_provider_details": details}
