"""Finishing: store a batch's personas and advance its task, fenced on the lease.

On PostgreSQL several batches (of distinct tasks) finish in one statement; on SQLite one at a
time, inside the write lock that the transaction holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.queue.batches import fail_task, settle_short_batch
from avatar_data_generator.queue.dialect import (
    json_param,
    sql,
    utc_type,
)
from avatar_data_generator.queue.finish_sqlite import finish_sqlite
from avatar_data_generator.queue.rows import BatchResult, ClaimedBatch, FinishedBatch, Stored
from avatar_data_generator.queue.store import (
    MERGE_QUALITY_POSTGRES,
    insert_personas_sql,
    storage_params,
)

# The whole fenced finish of several batches in one statement (one round trip and one commit for
# all of them, as River's batch completer does). First lock the batches' tasks (NO KEY UPDATE, in
# task_id order so that two finishing processes never wait on each other in a cycle): a cancel or
# a retry of one of them either committed before (and this statement sees what it did) or waits
# until this one has committed. Then fence each batch (this process still holds its lease) and
# settle it by what its task is now: an active task takes the batch `done` and its personas (never
# more than the task still needs), an ended one (cancelled, failed, completed) takes nothing and
# the batch is `cancelled`, for a retry to requeue. Then advance each task: once it holds every
# persona it asked for, it is `data-generated`, and post-processing (the realism report,
# `workers.postprocess`) completes it. Nothing happens to a batch whose fence did not match: every
# later step joins `fenced`. The batches must belong to distinct tasks (one `updated` row each).
_ACTIVE_TASK = "task.status IN ('pending', 'generating-data')"
_LAST_BATCH = "task.status IN ('pending', 'generating-data') AND t.generated + ab.n >= t.requested"
_MERGED_QUALITY = MERGE_QUALITY_POSTGRES.format(
    current="CAST(t.quality AS jsonb)", addition="ab.quality"
)
_FINISH_POSTGRES = f"""
WITH input AS MATERIALIZED (
    SELECT * FROM json_to_recordset(CAST(:batches AS json)) AS i(
           id bigint, task_id text, batch_index int, size int, generated int, duration float8,
           calls int, tokens int, tokens_in int, tokens_out int, cost float8, quality jsonb)
),
task AS MATERIALIZED (
    SELECT t.task_id, t.status, t.requested, t.generated FROM generation_tasks t
     WHERE t.task_id IN (SELECT task_id FROM input)
     ORDER BY t.task_id
       FOR NO KEY UPDATE OF t
),
fenced AS (
    UPDATE generation_batches b
       SET status = CASE WHEN {_ACTIVE_TASK} THEN 'done' ELSE 'cancelled' END,
           finished_at = now(), duration_seconds = i.duration,
           generated = CASE WHEN {_ACTIVE_TASK} THEN i.generated ELSE 0 END,
           last_error = CASE WHEN {_ACTIVE_TASK} THEN NULL
                             ELSE 'its task had ended when the batch came back' END,
           lease_owner = NULL, lease_expires_at = NULL
      FROM input i JOIN task ON task.task_id = i.task_id
     WHERE b.id = i.id AND b.lease_owner = :owner AND b.status = 'running'
 RETURNING b.id, b.task_id, b.status
),
inserted AS ({
    insert_personas_sql(
        "task.task_id",
        "i.batch_index",
        joins="JOIN input i ON i.id = r.batch_id"
        " JOIN fenced f ON f.id = r.batch_id AND f.status = 'done'"
        " JOIN task ON task.task_id = f.task_id"
        " WHERE r.position < task.requested - task.generated",
        returning="task_id",
    )
}),
added AS (
    SELECT f.id, f.task_id, f.status = 'done' AS stored, COALESCE(c.n, 0)::int AS n,
           GREATEST(0, LEAST(i.size, task.requested - task.generated)) AS wanted,
           i.calls, i.tokens, i.tokens_in, i.tokens_out, i.cost,
           CASE WHEN i.generated > COALESCE(c.n, 0) AND f.status = 'done' THEN jsonb_set(
                  i.quality, '{{duplicates_dropped}}', to_jsonb(
                    COALESCE((i.quality ->> 'duplicates_dropped')::numeric, 0)
                    + i.generated - COALESCE(c.n, 0)))
                ELSE i.quality END AS quality
      FROM fenced f
      JOIN input i ON i.id = f.id
      JOIN task ON task.task_id = f.task_id
      LEFT JOIN (SELECT task_id, count(*) AS n FROM inserted GROUP BY task_id) c
        ON c.task_id = f.task_id
),
updated AS (
    UPDATE generation_tasks t
       SET generated = t.generated + ab.n,
           batches_done = t.batches_done + CASE WHEN ab.stored THEN 1 ELSE 0 END,
           provider_calls = t.provider_calls + ab.calls,
           tokens_used = COALESCE(t.tokens_used + ab.tokens, ab.tokens, t.tokens_used),
           tokens_in = COALESCE(t.tokens_in + ab.tokens_in, ab.tokens_in, t.tokens_in),
           tokens_out = COALESCE(t.tokens_out + ab.tokens_out, ab.tokens_out, t.tokens_out),
           cost = COALESCE(t.cost + ab.cost, ab.cost, t.cost),
           quality = CASE WHEN ab.stored THEN CAST({_MERGED_QUALITY} AS json) ELSE t.quality END,
           updated_at = now(), started_at = COALESCE(t.started_at, now()),
           status = CASE WHEN {_LAST_BATCH} THEN 'data-generated' ELSE t.status END
      FROM task JOIN added ab ON ab.task_id = task.task_id
     WHERE t.task_id = task.task_id
 RETURNING t.task_id, t.status, t.started_at, t.finished_at
)
SELECT ab.id, task.status AS was, ab.n AS inserted, ab.wanted, updated.status,
       updated.started_at, updated.finished_at
  FROM added ab
  JOIN task ON task.task_id = ab.task_id
  JOIN updated ON updated.task_id = ab.task_id
"""


def finish_batch(
    conn: Connection,
    batch: ClaimedBatch,
    owner: str,
    personas: list[dict[str, Any]],
    *,
    duration: float,
    calls: int = 1,
    tokens: int | None = None,
    quality: dict[str, Any] | None = None,
    topup_budget: int = 0,
) -> FinishedBatch | None:
    """Fenced: store personas, mark the batch done and advance its task; None if lease lost."""
    result = BatchResult(
        batch,
        personas,
        duration,
        calls,
        tokens,
        quality=quality or {},
        topup_budget=topup_budget,
    )
    return finish_batches(conn, owner, [result])[0]


def finish_batches(
    conn: Connection, owner: str, results: Sequence[BatchResult]
) -> list[FinishedBatch | None]:
    """`finish_batch` for batches of distinct tasks, in one statement on PostgreSQL.

    Returns one outcome per result, in order: None where the lease was lost.
    """
    if len({r.batch.task_id for r in results}) != len(results):
        raise ValueError("finish_batches takes at most one batch per task")
    results = [replace(r, personas=r.personas[: r.batch.size]) for r in results]
    if is_postgres(conn):
        rows = conn.execute(
            sql(_FINISH_POSTGRES).columns(started_at=utc_type(), finished_at=utc_type()),
            {
                "owner": owner,
                "batches": json_param([_batch_figures(r) for r in results]),
            }
            | storage_params((p, r.batch.id, i) for r in results for i, p in enumerate(r.personas)),
        ).all()
        by_id = {row.id: row for row in rows}
        stored = [
            Stored(
                str(row.was),
                int(row.inserted),
                int(row.wanted),
                str(row.status),
                row.started_at,
                row.finished_at,
            )
            if (row := by_id.get(r.batch.id)) is not None
            else None
            for r in results
        ]
    else:
        stored = [finish_sqlite(conn, r, owner) for r in results]
    return [
        None if outcome is None else _after_finish(conn, r, outcome)
        for r, outcome in zip(results, stored, strict=True)
    ]


def _batch_figures(result: BatchResult) -> dict[str, Any]:
    batch = result.batch
    return {
        "id": batch.id,
        "task_id": batch.task_id,
        "batch_index": batch.batch_index,
        "size": batch.size,
        "generated": len(result.personas),
        "duration": result.duration,
        "calls": result.calls,
        "tokens": result.tokens,
        "tokens_in": result.tokens_in,
        "tokens_out": result.tokens_out,
        "cost": result.cost,
        "quality": result.quality,
    }


def _after_finish(conn: Connection, result: BatchResult, stored: Stored) -> FinishedBatch:
    """The rare steps after the statement: record duplicates, queue a top-up or fail the task."""
    batch, inserted, was = result.batch, stored.inserted, stored.was
    if was not in TaskStatus.active():
        # Its task had ended (cancelled, failed): nothing was stored, the batch is `cancelled`.
        return FinishedBatch(0, stored.status, None)
    shortfall = stored.wanted - inserted if stored.status in TaskStatus.active() else 0
    if inserted == len(result.personas) and shortfall <= 0:
        return FinishedBatch(inserted, stored.status, None)
    # Duplicates refused or a short delivery: the statement above left the task open where
    # personas are missing; a top-up batch keeps it so, or it fails.
    topup_index = settle_short_batch(
        conn, batch.task_id, batch.id, inserted, shortfall, result.topup_budget
    )
    if shortfall > 0 and topup_index is None:
        fail_task(
            conn,
            batch.task_id,
            "the provider delivered too few valid, distinct personas; "
            f"top-up budget of {result.topup_budget} calls used up",
        )
        return FinishedBatch(inserted, TaskStatus.FAILED.value, None)
    return FinishedBatch(inserted, stored.status, topup_index)
