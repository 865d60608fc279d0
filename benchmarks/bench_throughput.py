"""Queue overhead: tasks/s through real `worker` processes with a no-op-sized job, divided by
rows/s of a bare psycopg SKIP LOCKED claim-then-complete loop, same database, same run,
same number of processes.

The real side: T tasks of one persona each (PERSONAS_PER_BATCH=1, local provider, so the
provider is a tenth of a millisecond), all submitted before P `worker --burst` processes start;
rate = T / (last finished_at - first started_at), so process start-up is not counted, and T
warm-up tasks run first, so neither is what each process loads on first use (`_cold` reports
the warm-up round's rate).
The raw side: T rows in a bare table, P processes each looping
`BEGIN; SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1; UPDATE ... SET done; COMMIT`;
rate = T / (last done - first claim), on the database's clock_timestamp(); run before and after
the workers, the faster run being the divisor.
The raw side with the job (reported beside, no goal): the same loop, each row also doing what a
worker does for a one-persona task besides queueing it: the local provider's persona, its
validation, its realism report with the language of its bios, and the persona's JSON written
with the row. Since #13 that job is most of a task's cost; this ratio is the queue's alone.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

import psycopg

from benchmarks import common

RAW_TABLE = """
CREATE TABLE IF NOT EXISTS bench_raw_jobs (
    id bigserial PRIMARY KEY,
    status text NOT NULL DEFAULT 'pending',
    payload jsonb NOT NULL DEFAULT '{}',
    claimed_at timestamptz,
    done_at timestamptz
);
CREATE INDEX IF NOT EXISTS bench_raw_jobs_pending ON bench_raw_jobs (id) WHERE status = 'pending';
"""


class _Job:
    """A worker's work on a one-persona task besides the queue: the local provider's persona, its
    validation, and its realism report as the post-processor makes it (on the persona as read
    back: JSON), ending in the JSON it stores."""

    def __init__(self) -> None:
        from avatar_data_generator.generation.bio_settings import default_bio_settings
        from avatar_data_generator.generation.local import LocalProvider

        self.settings = default_bio_settings()
        self.provider = LocalProvider({})

    def __call__(self, row_id: int) -> str:
        import orjson

        from avatar_data_generator.generation.base import BatchRequest
        from avatar_data_generator.generation.pipeline import validate_batch
        from avatar_data_generator.queue import RealismInputs
        from avatar_data_generator.workers.postprocess import task_report

        request = BatchRequest(f"raw-{row_id}", 0, 1, "en", self.settings, seed=row_id)
        personas = validate_batch(request, self.provider.generate(request)).personas
        stored = orjson.loads(orjson.dumps(personas, default=str))
        report = task_report(RealismInputs(self.settings, {}, len(stored)), [stored])
        return orjson.dumps({"personas": stored, "report": report}).decode()


def _raw_loop(conninfo: str, start: Any, warm: int = 0) -> None:
    job = _Job() if warm else None
    if job is not None:
        for i in range(warm):  # as the workers' first round warms them (tables, model, recipes)
            job(10**9 + i)
    with psycopg.connect(conninfo) as conn:
        start.wait()  # every process connected: they begin together
        while True:
            with conn.transaction():
                row = conn.execute(
                    "SELECT id FROM bench_raw_jobs WHERE status = 'pending' ORDER BY id"
                    " LIMIT 1 FOR UPDATE SKIP LOCKED"
                ).fetchone()
                if row is None:
                    return
                payload = job(row[0]) if job is not None else None
                conn.execute(
                    "UPDATE bench_raw_jobs SET status = 'done', claimed_at = coalesce(claimed_at,"
                    " clock_timestamp()), done_at = clock_timestamp(),"
                    " payload = coalesce(%s::jsonb, payload) WHERE id = %s",
                    (payload, row[0]),
                )


def raw_rate(url: str, rows: int, procs: int, with_job: bool = False) -> float:
    """Rows/s of the bare loop (with the job: each row also does a one-persona task's work)."""
    info = common.conninfo(url)
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(RAW_TABLE)
        conn.execute("TRUNCATE bench_raw_jobs")
        conn.execute(
            "INSERT INTO bench_raw_jobs (payload) SELECT jsonb_build_object('n', g)"
            " FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("ANALYZE bench_raw_jobs")
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(procs + 1)
    warm = max(1, rows // procs) if with_job else 0
    workers = [ctx.Process(target=_raw_loop, args=(info, start, warm)) for _ in range(procs)]
    for w in workers:
        w.start()
    start.wait(timeout=600)
    for w in workers:
        w.join()
    with psycopg.connect(info, autocommit=True) as conn:
        done, secs = conn.execute(
            "SELECT count(*), extract(epoch FROM max(done_at) - min(claimed_at))"
            " FROM bench_raw_jobs WHERE status = 'done'"
        ).fetchone()  # type: ignore[misc]
    if done != rows:
        raise RuntimeError(f"raw loop finished {done} of {rows}")
    return rows / float(secs)


def submit_tasks(url: str, n: int, **task: Any) -> list[str]:
    """Submit `n` tasks through the app's own create_task."""
    from avatar_data_generator.db import db
    from avatar_data_generator.tasks import create_task

    app = common.make_app(url)
    ids = []
    with app.app_context():
        for _ in range(n):
            t, _created = create_task(**task)
            ids.append(t.task_id)
        db.engine.dispose()
    return ids


def _rate_of(conn: Any, ids: list[str]) -> tuple[int, int, float]:
    """(finished, failed, seconds from the first start to the last finish) of these tasks."""
    done, failed, secs = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'failed'),"
        " extract(epoch FROM max(finished_at) - min(started_at))"
        " FROM generation_tasks WHERE status IN ('completed', 'failed') AND task_id = ANY(%s)",
        (ids,),
    ).fetchone()
    return int(done), int(failed), float(secs or 0.0)


def _release(conn: Any, ids: list[str]) -> None:
    from avatar_data_generator.queue import NOTIFY_CHANNEL

    conn.execute(
        "UPDATE generation_batches SET available_at = now() WHERE task_id = ANY(%s)", (ids,)
    )
    # Fresh tables have no statistics until autovacuum gets to them (up to a minute). ANALYZE as
    # autovacuum would, after the release: statistics taken while the batches were held back
    # said none was available.
    conn.execute("ANALYZE")
    conn.execute("SELECT pg_notify(%s, 'bench')", (NOTIFY_CHANNEL,))


def worker_rate(url: str, tasks: int, procs: int, threads: int) -> dict[str, Any]:
    """Tasks/s of real burst workers on already submitted one-batch tasks, warm.

    The batches are held back (`available_at` in the future, which `--burst` waits for) until
    every process is up and listening, then released with a NOTIFY: a process that starts a
    second later than the others would otherwise measure fewer processes than the raw loop.
    A first round of as many tasks warms the processes (the language identifier of the realism
    report loads, 0.7 s; the bio writer compiles its recipes for each kind of person it meets),
    as a worker that has run for a while is; its rate is reported too, as the cold figure.
    """
    warm_ids = submit_tasks(url, tasks, count=1, batch_size=1, provider="local")
    ids = submit_tasks(url, tasks, count=1, batch_size=1, provider="local")
    with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
        conn.execute("UPDATE generation_batches SET available_at = now() + interval '10 minutes'")
    env = common.worker_env(
        url, WORKER_INTERVAL=30, MULTITHREAD_FLOWISE=threads, PERSONAS_PER_BATCH=1
    )
    cmd = [common.console_script(), "worker", "--burst"]
    with common.processes([cmd] * procs, env, "throughput") as ps:
        if not common.wait_for_listener(url, timeout=120, count=procs):
            raise RuntimeError(f"{procs} workers did not start listening within 120 s")
        with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
            _release(conn, warm_ids)
            deadline = time.monotonic() + 600
            while _rate_of(conn, warm_ids)[0] < tasks and time.monotonic() < deadline:
                time.sleep(0.1)
            _release(conn, ids)
        for p in ps:
            p.wait(timeout=600)
    with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
        cold = _rate_of(conn, warm_ids)
        done, failed, secs = _rate_of(conn, ids)
        if done != tasks or cold[0] != tasks:
            detail = conn.execute(
                "SELECT t.status, t.error, b.status, b.last_error, count(*) FROM generation_tasks t"
                " JOIN generation_batches b USING (task_id) WHERE t.status <> 'completed'"
                " GROUP BY 1, 2, 3, 4"
            ).fetchall()
            raise RuntimeError(f"workers completed {done} + {cold[0]} of 2 x {tasks}: {detail}")
    if failed:
        common.log(
            f"throughput: {failed} task(s) failed (provider/validation), counted as finished"
        )
    return {"rate": tasks / secs, "cold_rate": tasks / cold[2], "seconds": secs, "failed": failed}


def claim_latency(url: str, waiting: int, running: int) -> dict[str, float]:
    """Milliseconds for one claim of 4 batches with `waiting` one-batch tasks queued and
    `running` batches leased elsewhere (each claim rolled back, so all see the same queue)."""
    from sqlalchemy import create_engine

    from avatar_data_generator import queue

    submit_tasks(url, waiting, count=1, batch_size=1, provider="local")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            queue.claim_batches(conn, "elsewhere", running, 600)
            conn.exec_driver_sql("ANALYZE")
        times = []
        for _ in range(21):
            with engine.connect() as conn, conn.begin() as tx:
                t0 = time.perf_counter()
                if len(queue.claim_batches(conn, "probe", 4, 60)) != 4:
                    raise RuntimeError("claim found fewer than 4 waiting batches")
                times.append((time.perf_counter() - t0) * 1000)
                tx.rollback()
    finally:
        engine.dispose()
    return {"median": common.median(times[1:]), "p99": common.percentile(times[1:], 99)}


def run(quick: bool) -> dict[str, Any]:
    """Side by side on one database server, same process count."""
    # Thousands, so the rate is the steady state: with 1,000 the first claims (custom plans, the
    # first prepared statements) weighed in, 812-914 tasks/s against 1,037-1,089 with 4,000.
    tasks = 4000 if quick else 10_000
    procs = 2
    threads = 4
    waiting, running = (2000, 50) if quick else (10_000, 200)
    with common.fresh_database("throughput") as url:
        # The bare loop runs before and after the workers, and the faster of the two is the
        # divisor: whatever the database is still doing after one run (autovacuum of the rows
        # just finished) then cannot flatter the ratio.
        raw_before = raw_rate(url, tasks, procs)
        ours = worker_rate(url, tasks, procs, threads)
        raw_after = raw_rate(url, tasks, procs)
        raw = max(raw_before, raw_after)
        raw_job = raw_rate(url, tasks, procs, with_job=True)
    with common.fresh_database("claim") as url:
        claim = claim_latency(url, waiting, running)
    return {
        "claim_ms_median": round(claim["median"], 2),
        "claim_ms_p99": round(claim["p99"], 2),
        "claim_setup": (
            f"one claim of 4 batches (BEGIN and the statement, rolled back untimed) with {waiting} "
            f"one-batch tasks waiting and {running} batches running elsewhere"
        ),
        "throughput_worker_tasks_per_s": round(ours["rate"], 1),
        "throughput_worker_tasks_per_s_cold": round(ours["cold_rate"], 1),
        "throughput_raw_rows_per_s": round(raw, 1),
        "throughput_raw_rows_per_s_before_after": [round(raw_before, 1), round(raw_after, 1)],
        "throughput_ratio_vs_raw": round(ours["rate"] / raw, 3),
        "throughput_worker_failed_tasks": ours["failed"],
        "throughput_raw_with_job_rows_per_s": round(raw_job, 1),
        "throughput_ratio_vs_raw_with_job": round(ours["rate"] / raw_job, 3),
        "throughput_setup": (
            f"{tasks} tasks x 1 batch x 1 persona (PERSONAS_PER_BATCH=1, local provider as the "
            f"no-op), {procs} `worker --burst` processes with MULTITHREAD_FLOWISE={threads}, vs "
            f"{procs} processes of a bare psycopg SKIP LOCKED claim+complete loop, one "
            "transaction a row, same database, run before and after the workers (the faster "
            "of the two is the divisor); with_job: the same loop, each row also making, validating "
            "and reporting on one local persona and writing its JSON, its processes warmed first"
        ),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
