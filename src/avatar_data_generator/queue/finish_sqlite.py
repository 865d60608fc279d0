"""Finishing a batch on SQLite: the steps of `finish`'s one PostgreSQL statement, one statement
at a time, inside the write lock that the transaction holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection

from avatar_data_generator.models import BatchStatus, TaskStatus
from avatar_data_generator.queue.batches import fence
from avatar_data_generator.queue.dialect import ACTIVE, Clock, json_type, sql, utc_type
from avatar_data_generator.queue.rows import BatchResult, Stored
from avatar_data_generator.queue.store import merge_quality, store_personas


def finish_sqlite(conn: Connection, result: BatchResult, owner: str) -> Stored | None:
    """The same steps one statement at a time (the transaction holds SQLite's write lock)."""
    batch, personas = result.batch, result.personas
    clock = Clock(conn)
    now = clock.now
    task = _read_task(conn, batch.task_id)
    active = task["status"] in TaskStatus.active()
    fenced = fence(
        conn,
        batch.id,
        owner,
        f"status = :status, finished_at = {now}, duration_seconds = :duration,"
        " generated = :generated, last_error = :error",
        {
            "status": BatchStatus.DONE.value if active else BatchStatus.CANCELLED.value,
            "duration": result.duration,
            "generated": len(personas) if active else 0,
            "error": None if active else "its task had ended when the batch came back",
        }
        | clock.params,
    )
    if not fenced:
        return None
    room = max(0, task["requested"] - task["generated"])
    wanted = min(batch.size, room)
    inserted = (
        store_personas(conn, batch.task_id, batch.batch_index, personas[:room]) if active else 0
    )
    merged = merge_quality(task["quality"], result.quality, duplicates=len(personas) - inserted)
    last = f"status IN {ACTIVE} AND generated + :inserted >= requested"
    row = conn.execute(
        sql(
            "UPDATE generation_tasks SET generated = generated + :inserted,"
            " batches_done = batches_done + :done, provider_calls = provider_calls + :calls,"
            " tokens_used = COALESCE(tokens_used + :tokens, :tokens, tokens_used),"
            " tokens_in = COALESCE(tokens_in + :tokens_in, :tokens_in, tokens_in),"
            " tokens_out = COALESCE(tokens_out + :tokens_out, :tokens_out, tokens_out),"
            " cost = COALESCE(cost + :cost, :cost, cost),"
            f" quality = :quality, updated_at = {now}, started_at = COALESCE(started_at, {now}),"
            f" status = CASE WHEN {last} THEN 'data-generated' ELSE status END"
            " WHERE task_id = :task_id RETURNING status, started_at, finished_at"
        )
        .bindparams(bindparam("quality", type_=json_type(conn)))
        .columns(started_at=utc_type(), finished_at=utc_type()),
        {
            "inserted": inserted,
            "done": int(active),
            "calls": result.calls,
            "tokens": result.tokens,
            "tokens_in": result.tokens_in,
            "tokens_out": result.tokens_out,
            "cost": result.cost,
            "quality": merged if active else task["quality"],
            "task_id": batch.task_id,
        }
        | clock.params,
    ).one()
    return Stored(
        task["status"], inserted, wanted, str(row.status), row.started_at, row.finished_at
    )


def _read_task(conn: Connection, task_id: str) -> dict[str, Any]:
    """Read a task's status, counts and quality report (SQLite: the transaction serialises)."""
    row = conn.execute(
        sql(
            "SELECT status, requested, generated, quality FROM generation_tasks WHERE task_id = :t"
        ).columns(quality=json_type(conn)),
        {"t": task_id},
    ).one()
    return {
        "status": row.status,
        "requested": int(row.requested),
        "generated": int(row.generated),
        "quality": row.quality or {},
    }
