"""Pruning: finished tasks (their batches and personas cascade) and old queue samples."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from avatar_data_generator.models import TaskStatus
from avatar_data_generator.queue.dialect import Clock, sql

_FINISHED = "(" + ", ".join(f"'{s}'" for s in TaskStatus.finished()) + ")"


def delete_finished_tasks(conn: Connection, older_than_days: float, limit: int) -> int:
    """Delete up to `limit` finished tasks older than the cutoff; their rows cascade."""
    clock = Clock(conn)
    cutoff = clock.shifted(-older_than_days * 86400, "cutoff")
    result = conn.execute(
        sql(
            "DELETE FROM generation_tasks WHERE id IN ("
            " SELECT id FROM generation_tasks"
            f" WHERE status IN {_FINISHED} AND COALESCE(finished_at, updated_at) < {cutoff}"
            " ORDER BY id LIMIT :limit)"
        ),
        {"limit": limit} | clock.params,
    )
    return int(result.rowcount or 0)


def delete_queue_samples(conn: Connection, older_than_days: float, limit: int) -> int:
    """Delete up to `limit` queue samples older than the cutoff."""
    clock = Clock(conn)
    cutoff = clock.shifted(-older_than_days * 86400, "cutoff")
    result = conn.execute(
        sql(
            "DELETE FROM queue_samples WHERE id IN ("
            f" SELECT id FROM queue_samples WHERE sampled_at < {cutoff} ORDER BY id LIMIT :limit)"
        ),
        {"limit": limit} | clock.params,
    )
    return int(result.rowcount or 0)
