"""Storage: validated personas written per second on PostgreSQL through queue.finish_batch.

Personas are generated and validated first (local provider -> validate_batch -> storage_row,
exactly what the worker hands to its completer), then batches are claimed and finished one
transaction each: the worker's completer does that when batches arrive one at a time, and
stores several in one statement when they gather, so this is its slowest case. Only the
finish_batch transactions are timed; the rate including validation is reported beside it.
`storage_personas_per_s` is one writer on one task; `storage_parallel_personas_per_s` is two
threads writing two other tasks at once (two processes' completers storing different tasks).

`storage_ratio_vs_bare_insert` is the goal: after each batch's finish, the same rows go into
another task of the same table with the bare INSERT alone (`queue.store_personas`: the same
statement's insert, no task lock, fence, counters or top-ups), in its own transaction on the same
engine. Batch by batch in turn, each going first every other batch, both see the same table,
the same hour and the same machine; the absolute rate moves with the machine (8,000-24,000 a
second for the same code on this one).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks import common


def run(quick: bool) -> dict[str, Any]:
    """One task's personas through one writer, then two tasks' through two writers at once."""
    from avatar_data_generator import queue
    from avatar_data_generator.db import db
    from avatar_data_generator.generation.base import BatchRequest
    from avatar_data_generator.generation.local import LocalProvider
    from avatar_data_generator.generation.pipeline import validate_batch
    from avatar_data_generator.queue import storage_row
    from avatar_data_generator.tasks import create_task

    batch_size = 100
    per_task = 10_000 if quick else 50_000
    total = 4 * per_task
    with common.fresh_database("storage") as url:
        app = common.make_app(url, MAX_PERSONAS_PER_TASK=2 * per_task)
        with app.app_context():
            task_ids = [
                create_task(count=n, batch_size=batch_size, provider="local")[0].task_id
                for n in (2 * per_task, per_task, per_task)
            ]
            # The bare inserts' task: its batches stay pending, its rows come from the first's.
            floor_task = create_task(count=2 * per_task, batch_size=batch_size, provider="local")[
                0
            ].task_id
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
                prepared.append((batch, list(map(storage_row, outcome.personas, outcome.keys))))
            t_validated = time.perf_counter()
            by_task = {t: [p for p in prepared if p[0].task_id == t] for t in task_ids}
            ratio = float(app.config["MAX_TOPUP_RATIO"])  # the worker's top-up budget
            written, store_s, bare_written, bare_s = _store_beside_bare(
                engine, owner, by_task[task_ids[0]], ratio, floor_task
            )
            # The two other tasks, each on its own thread: finishes of one task queue on its
            # row lock by design, finishes of different tasks do not.
            t_parallel = time.perf_counter()
            shares = [by_task[t] for t in task_ids[1:]]
            parallel_written = _store_parallel(engine, owner, shares, ratio)
            t_parallel_done = time.perf_counter()
            engine.dispose()
    generate_s = (t_validated - t0) / 2  # half of the personas went through the single writer
    return {
        "storage_personas_per_s": round(written / store_s, 1),
        "storage_bare_insert_personas_per_s": round(bare_written / bare_s, 1),
        "storage_ratio_vs_bare_insert": round((written / store_s) / (bare_written / bare_s), 3),
        "storage_with_generation_personas_per_s": round(written / (store_s + generate_s), 1),
        "storage_parallel_personas_per_s": round(
            parallel_written / (t_parallel_done - t_parallel), 1
        ),
        "storage_personas_written": written + parallel_written,
        "storage_setup": (
            f"{written} personas of one task, batches of {batch_size}, one finish_batch "
            "transaction per batch, one thread; parallel: two threads on two other tasks "
            f"({parallel_written} personas); timed: the finish_batch transactions; bare: "
            "the same rows through store_personas alone, batch by batch in turn"
        ),
    }


def _store(engine: Any, owner: str, prepared: list[Any], ratio: float) -> int:
    """Finish each batch in its own transaction, as a worker thread does; personas written."""
    from avatar_data_generator import queue

    written = 0
    for batch, rows in prepared:
        with engine.begin() as conn:
            # As the worker does: a persona dropped as a duplicate of an earlier batch's queues a
            # top-up; with no budget the task would fail and every later batch store nothing.
            budget = queue.topup_budget(batch.requested, batch.batch_size, ratio)
            finished = queue.finish_batch(
                conn, batch, owner, rows, duration=0.0, topup_budget=budget
            )
        written += finished.inserted if finished else 0
    return written


def _store_beside_bare(
    engine: Any, owner: str, prepared: list[Any], ratio: float, floor_task: str
) -> tuple[int, float, int, float]:
    """Each batch finished and its rows stored bare into `floor_task`, taking turns at going
    first (so neither always meets the table the other has just warmed): written and seconds
    of each."""
    from avatar_data_generator import queue

    def finish(batch: Any, rows: list[Any]) -> int:
        return _store(engine, owner, [(batch, rows)], ratio)

    def bare(batch: Any, rows: list[Any]) -> int:
        with engine.begin() as conn:
            return queue.store_personas(conn, floor_task, batch.batch_index, rows)

    written = [0, 0]  # finish, bare
    seconds = [0.0, 0.0]
    for n, (batch, rows) in enumerate(prepared):
        for which in (0, 1) if n % 2 == 0 else (1, 0):
            t0 = time.perf_counter()
            written[which] += (finish, bare)[which](batch, rows)
            seconds[which] += time.perf_counter() - t0
    return written[0], seconds[0], written[1], seconds[1]


def _store_parallel(engine: Any, owner: str, shares: list[list[Any]], ratio: float) -> int:
    """Each share on its own thread at once."""
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        return sum(pool.map(lambda share: _store(engine, owner, share, ratio), shares))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
