"""Claiming: lease the next batches, round-robin across tasks, in one short statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, bindparam
from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.queue.dialect import ACTIVE, Clock, json_type, sql, utc_type
from avatar_data_generator.queue.providers import PAUSED
from avatar_data_generator.queue.rows import ClaimedBatch

# Round-robin without reading every active task: a task's turn is (batches it has running) +
# (rank of the batch within the task), so the best batches come from tasks that have something
# running (few: at most the threads of all workers) and the oldest tasks that have nothing
# running. The claim ranks those only, `:window` deep, so it costs O(window + running), not
# O(active tasks). The window is deeper than the limit so that a claim racing another one, whose
# picks are locked and skipped, still finds the next best batches instead of none.
# `idle` asks "has a claimable batch?" as a LIMIT 1 subquery, not EXISTS: the planner may turn an
# EXISTS into a join that reads every pending batch first, and did when statistics said few were
# available (after a burst, before autovacuum): 8.6 ms a claim instead of 0.5 with 4,000 waiting.
# The task leaves `pending` in the same statement; `task_started` says which claim did it. A task
# row locked by a racing claim (which is starting it) or by a cancel is skipped, not waited for:
# waiting on it while holding batch locks could deadlock with a cancel.
# Batches of a provider paused for every process (a Retry-After, an outage) are not claimed: they
# wait as `pending` and spend no attempt (`providers.PAUSED`, a tiny table, one row a provider).
# A claim's commit does not wait for its WAL flush (`lazy_commit`): a claim lost in a server crash
# only leaves its batches pending, to be claimed again, and the finish, which stores personas,
# commits durably (flushing the claim's record with its own).
CLAIM_HEADROOM = 32

CLAIM_POSTGRES = """
WITH running AS (
    SELECT task_id, count(*) AS n FROM generation_batches
     WHERE status = 'running' GROUP BY task_id
),
idle AS (
    SELECT t.task_id, t.created_at, 0 AS running
      FROM generation_tasks t
     WHERE t.status IN ('pending', 'generating-data') {task_filter}
       AND NOT EXISTS (SELECT 1 FROM running r WHERE r.task_id = t.task_id)
       AND NOT {paused}
       AND (SELECT true FROM generation_batches b
             WHERE b.task_id = t.task_id AND b.status = 'pending' AND b.available_at <= now()
             LIMIT 1)
     ORDER BY t.created_at
     LIMIT {window}
),
busy AS (
    SELECT t.task_id, t.created_at, r.n AS running
      FROM running r JOIN generation_tasks t ON t.task_id = r.task_id
     WHERE t.status IN ('pending', 'generating-data') {task_filter}
       AND NOT {paused}
),
ranked AS (
    SELECT nb.id, a.running + nb.rn AS turn, a.created_at, nb.batch_index
      FROM (SELECT * FROM idle UNION ALL SELECT * FROM busy) a
      CROSS JOIN LATERAL (
        SELECT b.id, b.batch_index,
               row_number() OVER (ORDER BY b.batch_index) AS rn
          FROM generation_batches b
         WHERE b.task_id = a.task_id AND b.status = 'pending' AND b.available_at <= now()
         ORDER BY b.batch_index
         LIMIT {window}
      ) nb
),
picked AS (
    SELECT b.id, b.task_id
      FROM generation_batches b JOIN ranked r ON r.id = b.id
     WHERE b.status = 'pending'
     ORDER BY r.turn, r.created_at, r.batch_index
     LIMIT {limit}
       FOR UPDATE OF b SKIP LOCKED
),
started AS (
    UPDATE generation_tasks t
       SET status = 'generating-data', started_at = COALESCE(t.started_at, now()),
           updated_at = now()
     WHERE t.task_id IN (
           SELECT p.task_id FROM generation_tasks p
            WHERE p.task_id IN (SELECT task_id FROM picked) AND p.status = 'pending'
              FOR NO KEY UPDATE SKIP LOCKED)
 RETURNING t.task_id
)
UPDATE generation_batches b
   SET status = 'running', lease_owner = :owner,
       lease_expires_at = now() + make_interval(secs => :secs),
       attempts = b.attempts + 1, started_at = now()
  FROM picked JOIN generation_tasks t ON t.task_id = picked.task_id,
       (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit
 WHERE b.id = picked.id
RETURNING b.id, b.task_id, b.batch_index, b.size, b.attempts, b.is_topup,
          t.provider, t.locale, t.seed, t.bio_settings, t.requested, t.batch_size, t.created_at,
          t.facts,
          b.task_id IN (SELECT task_id FROM started) AS task_started
"""

CLAIM_SQLITE = """
UPDATE generation_batches
   SET status = 'running', lease_owner = :owner, lease_expires_at = {later},
       attempts = attempts + 1, started_at = {now}
 WHERE id IN (
    SELECT id FROM (
        SELECT b.id, t.created_at, b.batch_index,
               (SELECT count(*) FROM generation_batches r
                 WHERE r.task_id = b.task_id AND r.status = 'running')
               + row_number() OVER (PARTITION BY b.task_id ORDER BY b.batch_index) AS turn
          FROM generation_batches b JOIN generation_tasks t ON t.task_id = b.task_id
         WHERE b.status = 'pending' AND b.available_at <= {now}
           AND t.status IN ('pending', 'generating-data') {task_filter}
           AND NOT {paused}
    ) ORDER BY turn, created_at, batch_index LIMIT {limit}
 )
RETURNING id, task_id, batch_index, size, attempts, is_topup
"""


def claim_sql(template: str, limit: int, task_filter: str = "", **moments: str) -> str:
    """The claim's text for this limit and window (and, on SQLite, the clock's moments).

    The limits are written into the statement (one text per limit, a handful): with them as
    parameters PostgreSQL re-plans every claim (0.7 ms), as no generic plan can know them.
    """
    window = int(limit) + CLAIM_HEADROOM
    paused = PAUSED.format(now=moments.get("now", "now()"))
    return template.format(
        task_filter=task_filter, limit=int(limit), window=window, paused=paused, **moments
    )


def claim_batches(
    conn: Connection, owner: str, limit: int, lease_seconds: float, task_id: str | None = None
) -> list[ClaimedBatch]:
    """Lease up to `limit` batches, round-robin across tasks (fewest running, then oldest).

    On PostgreSQL the transaction it runs in commits without waiting for its WAL flush: claim
    alone in it (the worker claims in autocommit).
    """
    if limit <= 0:
        return []
    task_filter = "AND t.task_id = :task_id" if task_id else ""
    postgres = is_postgres(conn)
    params: dict[str, Any] = {"owner": owner, "task_id": task_id}
    statement: Executable
    if postgres:
        text = sql(claim_sql(CLAIM_POSTGRES, limit, task_filter))
        statement = text.columns(bio_settings=json_type(conn), created_at=utc_type())
        params["secs"] = lease_seconds
    else:
        clock = Clock(conn)
        moments = {"now": clock.now, "later": clock.shifted(lease_seconds)}
        statement = sql(claim_sql(CLAIM_SQLITE, limit, task_filter, **moments))
        params |= clock.params
    rows = conn.execute(statement, params).all()
    if not rows:
        return []
    task_ids = sorted({r.task_id for r in rows})
    if postgres:
        tasks = {r.task_id: r for r in rows}
        started = {r.task_id for r in rows if r.task_started}
    else:
        tasks = _task_columns(conn, task_ids)
        started = mark_tasks_started(conn, task_ids)
    claimed = []
    for r in rows:
        t = tasks[r.task_id]
        claimed.append(
            ClaimedBatch(
                r.id,
                r.task_id,
                r.batch_index,
                r.size,
                r.attempts,
                bool(r.is_topup),
                task_started=r.task_id in started,
                provider=t.provider,
                locale=t.locale,
                seed=t.seed,
                bio_settings=t.bio_settings or {},
                requested=t.requested,
                batch_size=t.batch_size,
                created_at=t.created_at,
                facts=t.facts,
            )
        )
        started.discard(r.task_id)
    return claimed


def _task_columns(conn: Connection, task_ids: list[str]) -> dict[str, Any]:
    """The task columns a batch needs (SQLite's UPDATE … RETURNING cannot join)."""
    rows = conn.execute(
        sql(
            "SELECT task_id, provider, locale, seed, bio_settings, requested, batch_size,"
            " created_at, facts FROM generation_tasks WHERE task_id IN :ids"
        )
        .bindparams(bindparam("ids", expanding=True))
        .columns(bio_settings=json_type(conn), created_at=utc_type()),
        {"ids": task_ids},
    ).all()
    return {r.task_id: r for r in rows}


def mark_tasks_started(conn: Connection, task_ids: list[str]) -> set[str]:
    """Move tasks whose first batch was just claimed to `generating-data`; returns those."""
    clock = Clock(conn)
    now = clock.now
    rows = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'generating-data',"
            f" started_at = COALESCE(started_at, {now}), updated_at = {now}"
            " WHERE task_id IN :ids AND status = 'pending' RETURNING task_id"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": task_ids} | clock.params,
    ).all()
    return {r.task_id for r in rows}


def get_pending_task_with_lock(conn: Connection) -> str | None:
    """The seed's statement: lock the oldest task with work waiting, skipping locked ones.

    The row lock lasts as long as the caller's transaction.
    """
    lock = "FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    clock = Clock(conn)
    now = clock.now
    row = conn.execute(
        sql(
            "SELECT t.task_id FROM generation_tasks t"
            f" WHERE t.status IN {ACTIVE} AND EXISTS (SELECT 1 FROM generation_batches b"
            f"   WHERE b.task_id = t.task_id AND b.status = 'pending' AND b.available_at <= {now})"
            f" AND NOT {PAUSED.format(now=now)}"
            f" ORDER BY t.created_at ASC LIMIT 1 {lock}"
        ),
        clock.params,
    ).first()
    return row.task_id if row else None
