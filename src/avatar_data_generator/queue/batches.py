"""What submitting, finishing and retrying share: plans, batch rows, the fence, ending a task."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.queue.dialect import ACTIVE, Clock, sql

NOTIFY_CHANNEL = "avatar_data_generator_work"
#: What the wake-up listener runs on its own psycopg connection (stats counts these sessions).
LISTEN = f"LISTEN {NOTIFY_CHANNEL}"


def plan_batches(requested: int, batch_size: int) -> list[int]:
    """Split a request into batch sizes: full batches and one remainder."""
    full, rest = divmod(requested, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


def topup_budget(requested: int, batch_size: int, ratio: float) -> int:
    """How many extra calls a task may make to make up for short or duplicate batches."""
    return max(1, math.ceil(len(plan_batches(requested, batch_size)) * ratio))


def insert_batches(conn: Connection, task_id: str, sizes: list[int], first_index: int = 0) -> None:
    """Create pending batch rows of the given sizes for a task (top-ups: `settle_short_batch`)."""
    clock = Clock(conn)
    conn.execute(
        sql(
            "INSERT INTO generation_batches (task_id, batch_index, size, is_topup, status,"
            " attempts, generated, available_at)"
            f" VALUES (:task_id, :batch_index, :size, false, 'pending', 0, 0, {clock.now})"
        ),
        [
            {"task_id": task_id, "batch_index": first_index + i, "size": s} | clock.params
            for i, s in enumerate(sizes)
        ],
    )


def notify_new_work(conn: Connection, payload: str = "") -> None:
    """NOTIFY every listening worker; delivered only when this transaction commits."""
    if is_postgres(conn):
        conn.execute(
            sql("SELECT pg_notify(:channel, :payload)"),
            {"channel": NOTIFY_CHANNEL, "payload": payload},
        )


def next_batch_index(conn: Connection, task_id: str) -> int:
    """The index a new batch of this task gets."""
    return int(
        conn.execute(
            sql(
                "SELECT COALESCE(max(batch_index), -1) + 1 FROM generation_batches"
                " WHERE task_id = :t"
            ),
            {"t": task_id},
        ).scalar_one()
    )


# The top-up rule, for both dialects: a top-up batch of :shortfall personas at the task's next
# index, queued only while the task has made fewer than :budget of them; returns its index.
_QUEUE_TOPUP = """
INSERT INTO generation_batches (task_id, batch_index, size, is_topup, status, attempts,
                                generated, available_at)
SELECT max(task_id), COALESCE(max(batch_index), -1) + 1, CAST(:shortfall AS int), true,
       'pending', 0, 0, {now}
  FROM generation_batches
 WHERE task_id = :task_id
HAVING CAST(:shortfall AS int) > 0
   AND count(*) FILTER (WHERE is_topup) < CAST(:budget AS int)
RETURNING task_id, batch_index
"""
_COUNT_STORED = (
    "UPDATE generation_batches SET generated = CAST(:inserted AS int) WHERE id = :batch_id"
)
_COUNT_TOPUP = (
    "UPDATE generation_tasks SET batches_total = batches_total + 1 WHERE task_id = :task_id"
)
# On PostgreSQL the three in one statement, announced. A statement of its own, after the finish:
# it reads the batch rows as they are now, with the task's row locked by the finish, so two
# finishes of one task never pick the same index.
_SHORT_BATCH_POSTGRES = f"""
WITH counted AS ({_COUNT_STORED}),
topup AS ({_QUEUE_TOPUP.format(now="now()")}),
total AS ({_COUNT_TOPUP} AND EXISTS (SELECT FROM topup))
SELECT batch_index, pg_notify('{NOTIFY_CHANNEL}', task_id) FROM topup
"""


def settle_short_batch(
    conn: Connection, task_id: str, batch_id: int, inserted: int, shortfall: int, budget: int
) -> int | None:
    """Record what a batch stored and queue a top-up of `shortfall` personas if the task's
    budget allows; the top-up's index, or None when none was queued."""
    params = {
        "task_id": task_id,
        "batch_id": batch_id,
        "inserted": inserted,
        "shortfall": shortfall,
        "budget": budget,
    }
    if is_postgres(conn):
        return conn.execute(sql(_SHORT_BATCH_POSTGRES), params).scalar()
    clock = Clock(conn)
    conn.execute(sql(_COUNT_STORED), params)
    queued = conn.execute(sql(_QUEUE_TOPUP.format(now=clock.now)), params | clock.params).first()
    if queued is None:
        return None
    conn.execute(sql(_COUNT_TOPUP), params)
    return int(queued.batch_index)


class BatchCounts(NamedTuple):
    """A task's batches counted: all, done, personas stored by them, personas still queued."""

    total: int
    done: int
    generated: int
    queued: int


def batch_counts(conn: Connection, task_id: str) -> BatchCounts:
    """Count a task's batches in one statement (the task's own counters follow from these)."""
    row = conn.execute(
        sql(
            "SELECT count(*) AS total,"
            " COALESCE(sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS done,"
            " COALESCE(sum(CASE WHEN status = 'done' THEN generated ELSE 0 END), 0) AS generated,"
            " COALESCE(sum(CASE WHEN status IN ('pending', 'running') THEN size ELSE 0 END), 0)"
            " AS queued FROM generation_batches WHERE task_id = :t"
        ),
        {"t": task_id},
    ).one()
    return BatchCounts(int(row.total), int(row.done), int(row.generated), int(row.queued))


def fence(
    conn: Connection, batch_id: int, owner: str, assignments: str, extra: dict[str, Any]
) -> bool:
    """Update a running batch only if this process still holds its lease (and end the lease)."""
    result = conn.execute(
        sql(
            f"UPDATE generation_batches SET {assignments}, lease_owner = NULL,"
            " lease_expires_at = NULL"
            " WHERE id = :id AND lease_owner = :owner AND status = 'running'"
        ),
        {"id": batch_id, "owner": owner} | extra,
    )
    return result.rowcount == 1


def fail_task(conn: Connection, task_id: str, error: str) -> bool:
    """End an unfinished task as `failed` with a reason."""
    clock = Clock(conn)
    now = clock.now
    result = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'failed', error = :error,"
            f" finished_at = {now}, updated_at = {now}"
            f" WHERE task_id = :task_id AND status IN {ACTIVE}"
        ),
        {"task_id": task_id, "error": error} | clock.params,
    )
    return result.rowcount == 1


def mark_data_generated(conn: Connection, task_id: str) -> bool:
    """Every persona is stored: `data-generated`, for post-processing to complete."""
    clock = Clock(conn)
    result = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'data-generated', updated_at = {clock.now}"
            f" WHERE task_id = :t AND status IN {ACTIVE}"
        ),
        {"t": task_id} | clock.params,
    )
    return result.rowcount == 1
