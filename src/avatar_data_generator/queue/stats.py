"""Reading the queue: what is left, when work is next due, and the figures that operators see.

The seed's four health figures, the gauges of /metrics, the LISTEN count of /healthz, the
dashboard's series and the task pages' counts: every statement that only reads is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.models import QueueSample
from avatar_data_generator.queue.batches import LISTEN
from avatar_data_generator.queue.dialect import ACTIVE, Clock, sql, utc_type


def ping(conn: Connection) -> None:
    """Ask the database for nothing: raises if it does not answer."""
    conn.execute(sql("SELECT 1"))


def unfinished_work(conn: Connection, task_id: str | None = None) -> int:
    """Batches of unfinished tasks (or of one task) waiting, retries included, or running,
    and tasks waiting for post-processing."""
    only = "AND t.task_id = :t" if task_id else ""
    return int(
        conn.execute(
            sql(
                "SELECT count(*) FROM generation_batches b JOIN generation_tasks t"
                " ON t.task_id = b.task_id"
                f" WHERE t.status IN {ACTIVE} AND b.status IN ('pending', 'running') {only}"
            ),
            {"t": task_id},
        ).scalar_one()
    ) + int(
        conn.execute(
            sql(
                f"SELECT count(*) FROM generation_tasks t WHERE t.status = 'data-generated' {only}"
            ),
            {"t": task_id},
        ).scalar_one()
    )


def next_available_in(conn: Connection) -> float | None:
    """Seconds until the earliest waiting batch may be claimed (0 if now), None if none wait.

    A batch of a rate-limited provider waits for the pause too; one of a provider that is down
    waits for the probe that finds it answering, which wakes every worker itself.
    """
    clock = Clock(conn)
    row = conn.execute(
        sql(
            "SELECT min(CASE WHEN ps.paused_until > b.available_at THEN ps.paused_until"
            f" ELSE b.available_at END) AS next_at, {clock.now} AS now"
            " FROM generation_batches b JOIN generation_tasks t ON t.task_id = b.task_id"
            " LEFT JOIN provider_state ps ON ps.provider = t.provider"
            f" WHERE t.status IN {ACTIVE} AND b.status = 'pending'"
            " AND (ps.pause_reason IS NULL OR ps.pause_reason <> 'outage')"
        ).columns(next_at=utc_type(), now=utc_type()),
        clock.params,
    ).first()
    if row is None or row.next_at is None:
        return None
    return max(0.0, (row.next_at - row.now).total_seconds())


def queue_depth(conn: Connection) -> int:
    """The seed's queue depth: tasks still `pending`."""
    return int(
        conn.execute(
            sql("SELECT COUNT(*) FROM generation_tasks WHERE status = 'pending'")
        ).scalar_one()
    )


def running_batches(conn: Connection) -> int:
    """Batches under a lease right now, across every process."""
    return int(
        conn.execute(
            sql("SELECT COUNT(*) FROM generation_batches WHERE status = 'running'")
        ).scalar_one()
    )


def record_queue_sample(conn: Connection, min_gap_seconds: float) -> bool:
    """Sample queue depth for the dashboard, at most once per gap across all processes."""
    clock = Clock(conn)
    recent = conn.execute(
        sql(
            "SELECT 1 FROM queue_samples"
            f" WHERE sampled_at > {clock.shifted(-min_gap_seconds, 'since')} LIMIT 1"
        ),
        clock.params,
    ).first()
    if recent is not None:
        return False
    now = conn.execute(sql(f"SELECT {clock.now}").columns(utc_type()), clock.params)
    conn.execute(
        insert(QueueSample),
        {
            "sampled_at": _as_utc(now.scalar_one()),
            "queue_depth": queue_depth(conn),
            "running_batches": running_batches(conn),
        },
    )
    return True


def _as_utc(value: Any) -> datetime:
    """A timestamp read back from either dialect as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def health_stats(conn: Connection) -> dict[str, Any]:
    """The seed's four figures: processed in the last hour, queue depth, error rate, avg time."""
    clock = Clock(conn)
    since = clock.shifted(-3600, "since")
    counts = conn.execute(
        sql(
            "SELECT"
            " COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed,"
            " COUNT(CASE WHEN status IN ('data-generated', 'completed') THEN 1 END) AS success"
            f" FROM generation_tasks WHERE updated_at > {since}"
        ),
        clock.params,
    ).one()
    durations = conn.execute(
        sql(
            "SELECT started_at, finished_at FROM generation_tasks"
            f" WHERE status = 'completed' AND finished_at > {since} AND started_at IS NOT NULL"
        ).columns(started_at=utc_type(), finished_at=utc_type()),
        clock.params,
    ).all()
    total = counts.failed + counts.success
    average = (
        sum((r.finished_at - r.started_at).total_seconds() for r in durations) / len(durations)
        if durations
        else None
    )
    return {
        "processed_last_hour": int(counts.success),
        "queue_depth": queue_depth(conn),
        "error_rate": round(counts.failed / total, 4) if total else 0.0,
        "failed_last_hour": int(counts.failed),
        "succeeded_last_hour": int(counts.success),
        "avg_processing_seconds": round(average, 3) if average is not None else None,
        "running_batches": running_batches(conn),
    }


@dataclass(frozen=True)
class Gauges:
    """What /metrics reads from the database at scrape time."""

    tasks_by_status: dict[str, int]
    personas_stored: int
    batches_by_status: dict[str, int]
    oldest_pending_created_at: datetime | None


def gauges(conn: Connection) -> Gauges:
    """Tasks by status, personas stored, open batches, the oldest task nobody has started."""
    rows = conn.execute(
        sql(
            "SELECT status, COUNT(*), COALESCE(SUM(generated), 0)"
            " FROM generation_tasks GROUP BY status"
        )
    ).all()
    batches = conn.execute(
        sql(
            "SELECT status, COUNT(*) FROM generation_batches"
            " WHERE status IN ('pending', 'running') GROUP BY status"
        )
    ).all()
    oldest = conn.execute(
        sql("SELECT MIN(created_at) AS at FROM generation_tasks WHERE status = 'pending'").columns(
            at=utc_type()
        )
    ).scalar()
    return Gauges(
        tasks_by_status={r[0]: int(r[1]) for r in rows},
        personas_stored=sum(int(r[2]) for r in rows),
        batches_by_status={r[0]: int(r[1]) for r in batches},
        oldest_pending_created_at=oldest,
    )


def listening_workers(conn: Connection) -> int | None:
    """Worker processes on every host, counted by their LISTEN connections (PostgreSQL only)."""
    if not is_postgres(conn):
        return None
    return int(
        conn.execute(
            sql(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND query = :listen"
            ),
            {"listen": LISTEN},
        ).scalar_one()
    )
