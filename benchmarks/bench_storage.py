"""Storage: validated personas written per second on PostgreSQL through queue.finish_batch.

Personas are generated and validated first (local provider -> validate_batch -> storage_row,
exactly what the worker hands to finish_batch), then batches are claimed and finished one
transaction each, as the worker does. Only the finish_batch transactions are timed; the
rate including validation is reported beside it.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks import common


def run(quick: bool) -> dict[str, Any]:
    """Store N personas in batches of 100."""
    from avatar_data_generator import queue
    from avatar_data_generator.db import db
    from avatar_data_generator.generation.base import BatchRequest
    from avatar_data_generator.generation.local import LocalProvider
    from avatar_data_generator.generation.pipeline import validate_batch
    from avatar_data_generator.tasks import create_task
    from avatar_data_generator.workers.runner import storage_row

    batch_size = 100
    per_task = 10_000
    total = 20_000 if quick else 100_000
    with common.fresh_database("storage") as url:
        app = common.make_app(url, MAX_PERSONAS_PER_TASK=per_task)
        with app.app_context():
            task_ids = [
                create_task(count=per_task, batch_size=batch_size, provider="local")[0].task_id
                for _ in range(total // per_task)
            ]
            engine = db.engine
            provider = LocalProvider(app.config)
            owner = "bench-storage"
            with engine.begin() as conn:
                claimed = queue.claim_batches(conn, owner, total // batch_size, 600)
            t0 = time.perf_counter()
            prepared = []
            for batch in claimed:
                request = BatchRequest(
                    batch.task_id, batch.batch_index, batch.size, "en", {}, seed=batch.id
                )
                outcome = validate_batch(request, provider.generate(request), "thumbs")
                prepared.append((batch, [storage_row(p) for p in outcome.personas]))
            t_validated = time.perf_counter()
            written = 0
            for batch, rows in prepared:
                with engine.begin() as conn:
                    finished = queue.finish_batch(
                        conn, batch, owner, rows, duration=0.0, topup_budget=0
                    )
                written += finished.inserted if finished else 0
            t_stored = time.perf_counter()
            engine.dispose()
        del task_ids
    store_s = t_stored - t_validated
    return {
        "storage_personas_per_s": round(written / store_s, 1),
        "storage_with_generation_personas_per_s": round(written / (t_stored - t0), 1),
        "storage_personas_written": written,
        "storage_setup": (
            f"{total} personas, batches of {batch_size}, one finish_batch transaction per batch, "
            "one thread; timed: the finish_batch transactions (fence, insert, task update)"
        ),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
