"""Local provider speed and a plain Faker loop beside it.

The generation engineer owns benchmarks/bench_local_provider.py; this module runs it
(`python -m benchmarks.bench_local_provider [--quick]`, JSON on stdout) and takes
`local_provider_personas_per_s` and `faker_baseline_personas_per_s` from it. FALLBACK (only if
that script is missing or fails): time LocalProvider.generate + validate_batch here, and a
plain Faker loop making the same fields with a short bio.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import common

KEYS = ("local_provider_personas_per_s", "faker_baseline_personas_per_s")


def _from_owner_script(quick: bool) -> dict[str, Any] | None:
    script = Path(__file__).with_name("bench_local_provider.py")
    if not script.exists():
        return None
    cmd = [sys.executable, "-m", "benchmarks.bench_local_provider", *(["--quick"] if quick else [])]
    proc = subprocess.run(
        cmd, cwd=common.ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if proc.returncode != 0:
        common.log(f"bench_local_provider failed ({proc.returncode}): {proc.stderr[-500:]}")
        return None
    text = proc.stdout.strip()
    try:
        data = json.loads(text[text.index("{") :])
    except ValueError:
        common.log("bench_local_provider printed no JSON")
        return None
    if not all(k in data for k in KEYS):
        common.log(f"bench_local_provider lacks {KEYS}: {sorted(data)}")
        return None
    top = (*KEYS, "local_pipeline_personas_per_s", "speedup_vs_faker")
    figures = {k: data[k] for k in top if k in data}
    details = {k: v for k, v in data.items() if k not in top and not k.startswith("_")}
    return figures | {
        "local_provider_details": details,
        "local_provider_source": "benchmarks/bench_local_provider.py",
    }


def _fallback(quick: bool) -> dict[str, Any]:
    from faker import Faker

    from avatar_data_generator.generation.base import BatchRequest
    from avatar_data_generator.generation.bio_settings import default_bio_settings
    from avatar_data_generator.generation.local import LocalProvider
    from avatar_data_generator.generation.pipeline import validate_batch

    n = 20_000 if quick else 100_000
    provider = LocalProvider({"AVATAR_STYLE": "thumbs"})
    settings = default_bio_settings()
    made = 0
    start = time.perf_counter()
    for i in range(n // 100):
        request = BatchRequest("bench", i, 100, "en", settings, seed=i)
        made += len(validate_batch(request, provider.generate(request), "thumbs").personas)
    local = made / (time.perf_counter() - start)
    fake = Faker()
    Faker.seed(1)
    m = 2_000 if quick else 10_000
    start = time.perf_counter()
    for _ in range(m):
        {
            "first_name": fake.first_name(),
            "last_name": fake.last_name(),
            "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=70).isoformat(),
            "country": fake.country(),
            "city": fake.city(),
            "occupation": fake.job(),
            "username": fake.user_name(),
            "email": fake.email(domain="example.com"),
            "bios": {"x": fake.sentence(nb_words=12)},
        }
    faker = m / (time.perf_counter() - start)
    return {
        "local_provider_personas_per_s": round(local, 1),
        "faker_baseline_personas_per_s": round(faker, 1),
        "local_provider_source": (
            "FALLBACK in benchmarks/bench_local.py (bench_local_provider.py missing or failed): "
            "LocalProvider.generate + validate_batch, batches of 100; Faker loop of the same fields"
        ),
    }


def run(quick: bool) -> dict[str, Any]:
    """The owner's figures, or the fallback's."""
    return _from_owner_script(quick) or _fallback(quick)


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
