"""Population sampler speed, table memory and realism-report speed; prints one JSON object.

    python -m benchmarks.bench_population [--quick]

`sample_person_per_s`: persons per second on one core, all 26 countries in turn, genders mixed,
ages 13-100, best of three runs (tables already built). `first_draw_all_countries_s`: time to
build every country's tables (the lazy first use). `tables_rss_mb`: resident memory added by
all countries' tables; `realism_lexicons_rss_mb`: by numpy and the realism lexicons.
`realism_10k_s`: seconds for the realism report of 10,000 sampled personas with one bio each.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 1e6


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer draws (a smoke run)")
    args = parser.parse_args(argv)
    per_country = 400 if args.quick else 4000

    from avatar_data_generator.generation import population as pop

    today = date(2026, 1, 1)
    before = _rss_mb()
    started = time.perf_counter()
    for code in pop.SUPPORTED:
        pop.sample_person(random.Random(1).random, code, "female", 13, 100, today)
    first = time.perf_counter() - started
    tables_mb = _rss_mb() - before

    from avatar_data_generator.generation.population.realism import realism_report

    before = _rss_mb()
    realism_report([{"id": "1", "first_name": "Ana", "age": 30, "country": "Spain",
                     "city": "Madrid", "occupation": "nurse", "education": "Licenciatura",
                     "bios": {"x": "hello"}}], 13, 100, today)  # fmt: skip
    realism_mb = _rss_mb() - before

    rand = random.Random(7).random
    genders = ("female", "male", "non-binary")
    best = 0.0
    for _ in range(3):
        start, made = time.perf_counter(), 0
        for code in pop.SUPPORTED:
            for i in range(per_country):
                pop.sample_person(rand, code, genders[i % 3], 13, 100, today)
                made += 1
        best = max(best, made / (time.perf_counter() - start))

    personas = []
    for i in range(10_000):
        p = pop.sample_person(rand, pop.SUPPORTED[i % 26], genders[i % 3], 13, 100, today)
        bio = f"{p.occupation} in {p.city}. {', '.join(p.interests)}"
        personas.append({**p.as_persona(), "id": str(i), "bios": {"x": bio}})
    start = time.perf_counter()
    realism_report(personas, 13, 100, today)
    realism_s = time.perf_counter() - start

    result: dict[str, object] = {
        "sample_person_per_s": round(best),
        "first_draw_all_countries_s": round(first, 2),
        "tables_rss_mb": round(tables_mb, 1),
        "realism_lexicons_rss_mb": round(realism_mb, 1),
        "realism_10k_s": round(realism_s, 2),
        "countries": len(pop.SUPPORTED),
        "data_version": pop.DATA_VERSION,
        "python": platform.python_version(),
    }
    print(json.dumps(result))
    return result


def run(quick: bool) -> dict[str, object]:
    """For benchmarks.run: the figures, each named after the sampler, measured in a fresh
    process (after other modules the tables are loaded already: first draw and memory read 0)."""
    cmd = [sys.executable, "-m", "benchmarks.bench_population", *(["--quick"] if quick else [])]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench_population failed: {proc.stderr[-500:]}")
    text = proc.stdout.strip()
    result = json.loads(text[text.index("{") :])
    return {f"population_{k}": v for k, v in result.items() if k != "python"}


if __name__ == "__main__":
    main(sys.argv[1:])
