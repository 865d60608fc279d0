"""Every queue statement in one place: one function per statement, PostgreSQL and SQLite.

Callers own the transaction (`with engine.begin() as conn`). On PostgreSQL times come from the
database's clock (`now()`); SQLite serves one machine, so Python's UTC clock stands in for it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson
from sqlalchemy import TextClause, bindparam, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.models import BatchStatus, GenerationResult, QueueSample, TaskStatus

NOTIFY_CHANNEL = "avatar_data_generator_work"
ACTIVE = "('pending', 'generating-data')"


@functools.lru_cache(maxsize=256)
def sql(statement: str) -> TextClause:
    """A statement parsed once: building a TextClause scans it for binds on every call."""
    return text(statement)


@dataclass(frozen=True)
class ClaimedBatch:
    """A batch this process now holds a lease on, with what it needs from its task."""

    id: int
    task_id: str
    batch_index: int
    size: int
    attempts: int
    is_topup: bool
    #: This claim moved its task from `pending` to `generating-data`.
    task_started: bool = False
    # What the batch needs from its task, read in the claim itself (no extra round trip).
    provider: str = "local"
    locale: str = "en"
    seed: int | None = None
    bio_settings: dict[str, Any] = field(default_factory=dict)
    requested: int = 0
    batch_size: int = 0


@dataclass(frozen=True)
class FinishedBatch:
    """What storing a batch did to its task."""

    inserted: int
    task_status: str
    topup_batch: int | None
    #: From leaving `pending` to finishing, when this batch finished the task.
    task_seconds: float | None = None


def _sqlite_ts(value: datetime) -> str:
    """A UTC timestamp in SQLAlchemy's SQLite storage format, so text comparisons order."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _clock(conn: Connection, seconds: float = 0.0) -> tuple[str, str, dict[str, Any]]:
    """SQL for `now` and `now + seconds`, and their parameters, on this dialect."""
    if is_postgres(conn):
        return "now()", "now() + make_interval(secs => :secs)", {"secs": seconds}
    now = datetime.now(UTC)
    params = {"now": _sqlite_ts(now), "later": _sqlite_ts(now + timedelta(seconds=seconds))}
    return ":now", ":later", params


# --- submitting -----------------------------------------------------------------------------


def insert_batches(
    conn: Connection, task_id: str, sizes: list[int], first_index: int = 0, topup: bool = False
) -> None:
    """Create pending batch rows of the given sizes for a task."""
    now, _, params = _clock(conn)
    conn.execute(
        sql(
            "INSERT INTO generation_batches (task_id, batch_index, size, is_topup, status,"
            " attempts, generated, available_at)"
            f" VALUES (:task_id, :batch_index, :size, :topup, 'pending', 0, 0, {now})"
        ),
        [
            {"task_id": task_id, "batch_index": first_index + i, "size": s, "topup": topup} | params
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


def plan_batches(requested: int, batch_size: int) -> list[int]:
    """Split a request into batch sizes: full batches and one remainder."""
    full, rest = divmod(requested, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


# --- claiming -------------------------------------------------------------------------------

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
# A claim's commit does not wait for its WAL flush (`lazy_commit`): a claim lost in a server crash
# only leaves its batches pending, to be claimed again, and the finish, which stores personas,
# commits durably (flushing the claim's record with its own).
CLAIM_HEADROOM = 32

_CLAIM_POSTGRES = """
WITH running AS (
    SELECT task_id, count(*) AS n FROM generation_batches
     WHERE status = 'running' GROUP BY task_id
),
idle AS (
    SELECT t.task_id, t.created_at, 0 AS running
      FROM generation_tasks t
     WHERE t.status IN ('pending', 'generating-data') {task_filter}
       AND NOT EXISTS (SELECT 1 FROM running r WHERE r.task_id = t.task_id)
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
          t.provider, t.locale, t.seed, t.bio_settings, t.requested, t.batch_size,
          b.task_id IN (SELECT task_id FROM started) AS task_started
"""

_CLAIM_SQLITE = """
UPDATE generation_batches
   SET status = 'running', lease_owner = :owner, lease_expires_at = :later,
       attempts = attempts + 1, started_at = :now
 WHERE id IN (
    SELECT id FROM (
        SELECT b.id, t.created_at, b.batch_index,
               (SELECT count(*) FROM generation_batches r
                 WHERE r.task_id = b.task_id AND r.status = 'running')
               + row_number() OVER (PARTITION BY b.task_id ORDER BY b.batch_index) AS turn
          FROM generation_batches b JOIN generation_tasks t ON t.task_id = b.task_id
         WHERE b.status = 'pending' AND b.available_at <= :now
           AND t.status IN ('pending', 'generating-data') {task_filter}
    ) ORDER BY turn, created_at, batch_index LIMIT {limit}
 )
RETURNING id, task_id, batch_index, size, attempts, is_topup
"""


def claim_sql(template: str, limit: int, task_filter: str = "") -> str:
    """The claim's text for this limit and window.

    The limits are written into the statement (one text per limit, a handful): with them as
    parameters PostgreSQL re-plans every claim (0.7 ms), as no generic plan can know them.
    """
    window = int(limit) + CLAIM_HEADROOM
    return template.format(task_filter=task_filter, limit=int(limit), window=window)


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
    template = _CLAIM_POSTGRES if is_postgres(conn) else _CLAIM_SQLITE
    _, _, params = _clock(conn, lease_seconds)
    statement = sql(claim_sql(template, limit, task_filter))
    rows = conn.execute(
        statement.columns(bio_settings=_json_type(conn)) if is_postgres(conn) else statement,
        {"owner": owner, "task_id": task_id} | params,
    ).all()
    if not rows:
        return []
    task_ids = sorted({r.task_id for r in rows})
    if is_postgres(conn):
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
            )
        )
        started.discard(r.task_id)
    return claimed


def _task_columns(conn: Connection, task_ids: list[str]) -> dict[str, Any]:
    """The task columns a batch needs (SQLite's UPDATE … RETURNING cannot join)."""
    rows = conn.execute(
        sql(
            "SELECT task_id, provider, locale, seed, bio_settings, requested, batch_size"
            " FROM generation_tasks WHERE task_id IN :ids"
        )
        .bindparams(bindparam("ids", expanding=True))
        .columns(bio_settings=_json_type(conn)),
        {"ids": task_ids},
    ).all()
    return {r.task_id: r for r in rows}


def mark_tasks_started(conn: Connection, task_ids: list[str]) -> set[str]:
    """Move tasks whose first batch was just claimed to `generating-data`; returns those."""
    now, _, params = _clock(conn)
    rows = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'generating-data',"
            f" started_at = COALESCE(started_at, {now}), updated_at = {now}"
            " WHERE task_id IN :ids AND status = 'pending' RETURNING task_id"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": task_ids} | params,
    ).all()
    return {r.task_id for r in rows}


def get_pending_task_with_lock(conn: Connection) -> str | None:
    """The seed's statement: lock the oldest task with work waiting, skipping locked ones."""
    lock = "FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    now, _, params = _clock(conn)
    row = conn.execute(
        sql(
            "SELECT t.task_id FROM generation_tasks t"
            f" WHERE t.status IN {ACTIVE} AND EXISTS (SELECT 1 FROM generation_batches b"
            f"   WHERE b.task_id = t.task_id AND b.status = 'pending' AND b.available_at <= {now})"
            f" ORDER BY t.created_at ASC LIMIT 1 {lock}"
        ),
        params,
    ).first()
    return row.task_id if row else None


# --- leases ---------------------------------------------------------------------------------


def renew_leases(conn: Connection, owner: str, lease_seconds: float, batch_ids: list[int]) -> int:
    """Extend the leases of the batches this process is still running, in one statement.

    Only the batches in flight: one whose finish failed (say the database was away) must not
    be kept alive by a heartbeat that no longer works on it, or it would never be taken back.
    """
    if not batch_ids:
        return 0
    _, later, params = _clock(conn, lease_seconds)
    result = conn.execute(
        sql(
            f"UPDATE generation_batches SET lease_expires_at = {later}"
            " WHERE lease_owner = :owner AND status = 'running' AND id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"owner": owner, "ids": batch_ids} | params,
    )
    return result.rowcount


def reclaim_expired_leases(conn: Connection, max_attempts: int) -> list[tuple[str, int]]:
    """Take back batches whose lease ran out; those out of attempts fail with their task."""
    now, _, params = _clock(conn)
    lock = "FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    expired = conn.execute(
        sql(
            "SELECT id, task_id, batch_index, attempts, lease_owner FROM generation_batches"
            f" WHERE status = 'running' AND lease_expires_at < {now} {lock}"
        ),
        params,
    ).all()
    if not expired:
        return []
    retry_ids = [r.id for r in expired if r.attempts < max_attempts]
    if retry_ids:
        conn.execute(
            sql(
                "UPDATE generation_batches SET status = 'pending', lease_owner = NULL,"
                " lease_expires_at = NULL, last_error = 'lease expired; taken back'"
                " WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": retry_ids},
        )
    for r in expired:
        if r.attempts >= max_attempts:
            message = f"batch {r.batch_index} lost its worker {r.attempts} times"
            _fail_batch_row(conn, r.id, message)
            fail_task(conn, r.task_id, message)
    if retry_ids:
        notify_new_work(conn, "reclaimed")
    return [(r.task_id, r.batch_index) for r in expired]


def release_batches(conn: Connection, owner: str, batch_ids: list[int]) -> int:
    """Give back leases this process cannot finish (shutdown); the attempt does not count."""
    if not batch_ids:
        return 0
    result = conn.execute(
        sql(
            "UPDATE generation_batches SET status = 'pending', lease_owner = NULL,"
            " lease_expires_at = NULL, attempts = attempts - 1"
            " WHERE id IN :ids AND lease_owner = :owner AND status = 'running'"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": batch_ids, "owner": owner},
    )
    if result.rowcount:
        notify_new_work(conn, "released")
    return result.rowcount


# --- finishing (every statement fenced on the lease) -----------------------------------------


def _fence(
    conn: Connection, batch_id: int, owner: str, assignments: str, extra: dict[str, Any]
) -> bool:
    """Update a running batch only if this process still holds its lease."""
    result = conn.execute(
        sql(
            f"UPDATE generation_batches SET {assignments}, lease_owner = NULL,"
            " lease_expires_at = NULL"
            " WHERE id = :id AND lease_owner = :owner AND status = 'running'"
        ),
        {"id": batch_id, "owner": owner} | extra,
    )
    return result.rowcount == 1


def _insert_personas(task_id: str, batch_index: str, joins: str = "", returning: str = "id") -> str:
    """INSERT ... SELECT of the personas in the `:rows` JSON parameter (`joins` may narrow them).

    Duplicates are refused by the unique keys and a replay by the primary key: neither writes.
    """
    return f"""
INSERT INTO generation_results (id, task_id, batch_index, position, first_name, last_name,
                                date_of_birth, username, email, dedupe_key, data, created_at)
SELECT r.id, {task_id}, {batch_index}, r.position, r.first_name, r.last_name, r.date_of_birth,
       r.username, r.email, r.dedupe_key, r.data, now()
  FROM json_to_recordset(CAST(:rows AS json)) AS r(
       batch_id bigint, id text, position int, first_name text, last_name text,
       date_of_birth date, username text, email text, dedupe_key text, data json)
  {joins}
ON CONFLICT DO NOTHING
RETURNING {returning}
"""


# merge_quality in SQL, for the one-statement finish: numbers add, objects add key by key,
# anything else is replaced. tests/test_queue.py holds the two equal on random reports.
MERGE_QUALITY_POSTGRES = """(
SELECT COALESCE(jsonb_object_agg(key, CASE
         WHEN jsonb_typeof(b.value) = 'number' AND jsonb_typeof(a.value) = 'number'
           THEN to_jsonb(a.value::numeric + b.value::numeric)
         WHEN jsonb_typeof(b.value) = 'object' THEN (
           SELECT COALESCE(jsonb_object_agg(key, CASE
                    WHEN jsonb_typeof(y.value) = 'number' AND jsonb_typeof(x.value) = 'number'
                      THEN to_jsonb(x.value::numeric + y.value::numeric)
                    ELSE COALESCE(y.value, x.value) END), '{{}}'::jsonb)
             FROM jsonb_each(CASE WHEN jsonb_typeof(a.value) = 'object'
                                  THEN a.value ELSE '{{}}'::jsonb END) x
             FULL JOIN jsonb_each(b.value) y USING (key))
         ELSE COALESCE(b.value, a.value) END), '{{}}'::jsonb)
  FROM jsonb_each(COALESCE({current}, '{{}}'::jsonb)) a
  FULL JOIN jsonb_each(COALESCE({addition}, '{{}}'::jsonb)) b USING (key)
)"""

# The whole fenced finish of several batches in one statement (one round trip and one commit for
# all of them, as River's batch completer does). First lock the batches' tasks (NO KEY UPDATE, in
# task_id order so that two finishing processes never wait on each other in a cycle): a cancel or
# a retry of one of them either committed before (and this statement sees what it did) or waits
# until this one has committed. Then fence each batch (this process still holds its lease) and
# settle it by what its task is now: an active task takes the batch `done` and its personas (never
# more than the task still needs), an ended one (cancelled, failed, completed) takes nothing and
# the batch is `cancelled`, for a retry to requeue. Then advance each task; it completes when it
# holds every persona it asked for. Nothing happens to a batch whose fence did not match: every
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
           calls int, tokens int, quality jsonb)
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
    _insert_personas(
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
           i.calls, i.tokens,
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
           quality = CASE WHEN ab.stored THEN CAST({_MERGED_QUALITY} AS json) ELSE t.quality END,
           updated_at = now(), started_at = COALESCE(t.started_at, now()),
           status = CASE WHEN {_LAST_BATCH} THEN 'completed' ELSE t.status END,
           finished_at = CASE WHEN {_LAST_BATCH} THEN now() ELSE t.finished_at END
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


def store_personas(
    conn: Connection, task_id: str, batch_index: int, personas: list[dict[str, Any]]
) -> int:
    """Insert a batch's personas; a replay or a duplicate within the task writes nothing.

    Each persona is a storage row (`workers.runner.storage_row`): its dedupe columns and `data`.
    """
    if not personas:
        return 0
    if is_postgres(conn):
        result = conn.execute(
            sql(_insert_personas(":task_id", ":batch_index")),
            {
                "task_id": task_id,
                "batch_index": batch_index,
                "rows": _json([p | {"position": i} for i, p in enumerate(personas)]),
            },
        )
        return len(result.all())
    where = {"task_id": task_id, "batch_index": batch_index, "created_at": datetime.now(UTC)}
    rows = [p | where | {"position": position} for position, p in enumerate(personas)]
    stmt = sqlite.insert(GenerationResult).on_conflict_do_nothing()
    return len(conn.execute(stmt.returning(GenerationResult.id), rows).all())


def _json(value: Any) -> str:
    """One JSON parameter for a whole batch or group (dates as ISO strings).

    One parameter holding all rows: psycopg prepares a short statement once, instead of
    re-parsing a 1,200-parameter INSERT for every batch. orjson encodes a 100-persona batch
    (150 kB) in 0.04 ms where `json` takes 0.6 ms, a tenth of the whole finish.
    """
    # Non-string keys become strings, as json.dumps makes them (orjson refuses them otherwise).
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


@dataclass(frozen=True)
class BatchResult:
    """A batch's validated personas and figures, ready to be stored."""

    batch: ClaimedBatch
    #: Storage rows (`workers.runner.storage_row`); more than the batch's size are cut off.
    personas: list[dict[str, Any]]
    duration: float
    calls: int = 1
    tokens: int | None = None
    quality: dict[str, Any] = field(default_factory=dict)
    #: Top-up calls the task may still make if this batch comes back short.
    topup_budget: int = 0


class _Stored(NamedTuple):
    """What the finishing statement did to one batch's task."""

    was: str  # the task's status before
    inserted: int
    #: Personas the task could still take from this batch (its size, or less near the end).
    wanted: int
    status: str  # and after
    started_at: datetime | None
    finished_at: datetime | None


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
    result = BatchResult(batch, personas, duration, calls, tokens, quality or {}, topup_budget)
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
            sql(_FINISH_POSTGRES).columns(started_at=_utc_type(), finished_at=_utc_type()),
            {
                "owner": owner,
                "batches": _json([_batch_figures(r) for r in results]),
                "rows": _json(
                    [
                        p | {"batch_id": r.batch.id, "position": i}
                        for r in results
                        for i, p in enumerate(r.personas)
                    ]
                ),
            },
        ).all()
        by_id = {row.id: row for row in rows}
        stored = [
            _Stored(
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
        stored = [_finish_sqlite(conn, r, owner) for r in results]
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
        "quality": result.quality,
    }


def _after_finish(conn: Connection, result: BatchResult, stored: _Stored) -> FinishedBatch:
    """The rare steps after the statement: record duplicates, queue a top-up or fail the task."""
    batch, inserted, was = result.batch, stored.inserted, stored.was
    if was not in TaskStatus.active():
        # Its task had ended (cancelled, failed): nothing was stored, the batch is `cancelled`.
        return FinishedBatch(0, stored.status, None)
    if inserted != len(result.personas):
        conn.execute(
            sql("UPDATE generation_batches SET generated = :n WHERE id = :id"),
            {"n": inserted, "id": batch.id},
        )
    shortfall = stored.wanted - inserted
    topup_index = None
    if shortfall > 0 and stored.status in TaskStatus.active():
        # The statement above left the task open; a top-up batch keeps it so, or it fails.
        if _count_topups(conn, batch.task_id) >= result.topup_budget:
            fail_task(
                conn,
                batch.task_id,
                "the provider delivered too few valid, distinct personas; "
                f"top-up budget of {result.topup_budget} calls used up",
            )
            return FinishedBatch(inserted, TaskStatus.FAILED.value, None)
        topup_index = _next_batch_index(conn, batch.task_id)
        insert_batches(conn, batch.task_id, [shortfall], topup_index, topup=True)
        conn.execute(
            sql(
                "UPDATE generation_tasks SET batches_total = batches_total + 1"
                " WHERE task_id = :task_id"
            ),
            {"task_id": batch.task_id},
        )
        notify_new_work(conn, batch.task_id)
    if stored.status != TaskStatus.COMPLETED.value:
        return FinishedBatch(inserted, stored.status, topup_index)
    started, finished = stored.started_at, stored.finished_at
    seconds = (finished - started).total_seconds() if started and finished else None
    return FinishedBatch(inserted, TaskStatus.COMPLETED.value, topup_index, seconds)


def _finish_sqlite(conn: Connection, result: BatchResult, owner: str) -> _Stored | None:
    """The same steps one statement at a time (the transaction holds SQLite's write lock)."""
    batch, personas = result.batch, result.personas
    now, _, params = _clock(conn)
    task = _lock_task(conn, batch.task_id)
    active = task["status"] in TaskStatus.active()
    fenced = _fence(
        conn,
        batch.id,
        owner,
        "status = :status, finished_at = :now, duration_seconds = :duration,"
        " generated = :generated, last_error = :error",
        {
            "status": BatchStatus.DONE.value if active else BatchStatus.CANCELLED.value,
            "duration": result.duration,
            "generated": len(personas) if active else 0,
            "error": None if active else "its task had ended when the batch came back",
        }
        | params,
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
            f" quality = :quality, updated_at = {now}, started_at = COALESCE(started_at, {now}),"
            f" status = CASE WHEN {last} THEN 'completed' ELSE status END,"
            f" finished_at = CASE WHEN {last} THEN {now} ELSE finished_at END"
            " WHERE task_id = :task_id RETURNING status, started_at, finished_at"
        )
        .bindparams(bindparam("quality", type_=_json_type(conn)))
        .columns(started_at=_utc_type(), finished_at=_utc_type()),
        {
            "inserted": inserted,
            "done": int(active),
            "calls": result.calls,
            "tokens": result.tokens,
            "quality": merged if active else task["quality"],
            "task_id": batch.task_id,
        }
        | params,
    ).one()
    return _Stored(
        task["status"], inserted, wanted, str(row.status), row.started_at, row.finished_at
    )


def retry_batch_later(
    conn: Connection, batch: ClaimedBatch, owner: str, error: str, delay: float
) -> bool:
    """Fenced: put a batch back with a backoff before it may be claimed again."""
    _, later, params = _clock(conn, delay)
    return _fence(
        conn,
        batch.id,
        owner,
        f"status = 'pending', available_at = {later}, last_error = :error",
        {"error": error} | params,
    )


def fail_batch(conn: Connection, batch: ClaimedBatch, owner: str, error: str) -> bool:
    """Fenced: fail a batch for good, and its task with the same reason."""
    now, _, params = _clock(conn)
    if not _fence(
        conn,
        batch.id,
        owner,
        f"status = 'failed', finished_at = {now}, last_error = :error",
        {"error": error} | params,
    ):
        return False
    fail_task(conn, batch.task_id, error)
    return True


def _fail_batch_row(conn: Connection, batch_id: int, error: str) -> None:
    now, _, params = _clock(conn)
    conn.execute(
        sql(
            f"UPDATE generation_batches SET status = 'failed', finished_at = {now},"
            " lease_owner = NULL, lease_expires_at = NULL, last_error = :error WHERE id = :id"
        ),
        {"id": batch_id, "error": error} | params,
    )


def fail_task(conn: Connection, task_id: str, error: str) -> bool:
    """End an unfinished task as `failed` with a reason."""
    now, _, params = _clock(conn)
    result = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'failed', error = :error,"
            f" finished_at = {now}, updated_at = {now}"
            f" WHERE task_id = :task_id AND status IN {ACTIVE}"
        ),
        {"task_id": task_id, "error": error} | params,
    )
    return result.rowcount == 1


def complete_task(conn: Connection, task_id: str) -> float | None:
    """Every batch is done: `data-generated`, post-processing, `completed`; returns its seconds.

    Avatars are stored with each persona as (style, seed) and the quality report is kept up
    to date batch by batch, so post-processing has nothing left to write and `completed`
    follows `data-generated` in this same transaction (no reader ever sees the step between).
    """
    now, _, params = _clock(conn)
    row = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'completed', finished_at = {now},"
            f" updated_at = {now} WHERE task_id = :t AND status IN {ACTIVE}"
            " RETURNING started_at, finished_at"
        ).columns(started_at=_utc_type(), finished_at=_utc_type()),
        {"t": task_id} | params,
    ).first()
    if row is None or row.started_at is None:
        return None
    return float((row.finished_at - row.started_at).total_seconds())


def _lock_task(conn: Connection, task_id: str) -> dict[str, Any]:
    """Read a task's status, counts and quality report (SQLite: the transaction serialises)."""
    row = conn.execute(
        sql(
            "SELECT status, requested, generated, quality FROM generation_tasks WHERE task_id = :t"
        ).columns(quality=_json_type(conn)),
        {"t": task_id},
    ).one()
    return {
        "status": row.status,
        "requested": int(row.requested),
        "generated": int(row.generated),
        "quality": row.quality or {},
    }


def _json_type(conn: Connection) -> Any:
    from sqlalchemy import JSON

    return postgresql.JSON() if is_postgres(conn) else JSON()


def merge_quality(
    current: dict[str, Any], batch: dict[str, Any], duplicates: int
) -> dict[str, Any]:
    """Add one batch's quality counters into the task's report (nested dicts add up too)."""
    merged = dict(current)
    addition = dict(batch)
    if duplicates:
        addition["duplicates_dropped"] = addition.get("duplicates_dropped", 0) + duplicates
    for key, value in addition.items():
        if isinstance(value, bool) or not isinstance(value, int | float | dict):
            merged[key] = value
        elif isinstance(value, dict):
            inner = dict(merged.get(key) or {})
            for k, v in value.items():
                inner[k] = inner.get(k, 0) + v if isinstance(v, int | float) else v
            merged[key] = inner
        else:
            merged[key] = merged.get(key, 0) + value
    return merged


def _count_topups(conn: Connection, task_id: str) -> int:
    return int(
        conn.execute(
            sql("SELECT count(*) FROM generation_batches WHERE task_id = :t AND is_topup"),
            {"t": task_id},
        ).scalar_one()
    )


def _next_batch_index(conn: Connection, task_id: str) -> int:
    return int(
        conn.execute(
            sql(
                "SELECT COALESCE(max(batch_index), -1) + 1 FROM generation_batches"
                " WHERE task_id = :t"
            ),
            {"t": task_id},
        ).scalar_one()
    )


def topup_budget(requested: int, batch_size: int, ratio: float) -> int:
    """How many extra calls a task may make to make up for short or duplicate batches."""
    return max(1, math.ceil(len(plan_batches(requested, batch_size)) * ratio))


# --- cancel and retry -----------------------------------------------------------------------


def cancel_task(conn: Connection, task_id: str) -> bool:
    """Stop handing out a task's batches and end it `cancelled`; False if already finished."""
    now, _, params = _clock(conn)
    result = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'cancelled', finished_at = {now},"
            f" updated_at = {now} WHERE task_id = :t AND status IN {ACTIVE}"
        ),
        {"t": task_id} | params,
    )
    if result.rowcount != 1:
        return False
    conn.execute(
        sql(
            "UPDATE generation_batches SET status = 'cancelled'"
            " WHERE task_id = :t AND status = 'pending'"
        ),
        {"t": task_id},
    )
    return True


def retry_task(conn: Connection, task_id: str) -> bool:
    """Requeue only what a failed or cancelled task is missing; False if it is not one.

    The first statement both checks the state and locks the task's row, so a batch being
    stored meanwhile waits for this transaction (finishing locks the task first), and the
    counts below, taken from the batch rows, are the truth at commit.
    """
    now, _, params = _clock(conn)
    task = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'pending', error = NULL, finished_at = NULL,"
            f" updated_at = {now} WHERE task_id = :t AND status IN ('failed', 'cancelled')"
            " RETURNING requested"
        ),
        {"t": task_id} | params,
    ).first()
    if task is None:
        return False
    conn.execute(
        sql(
            f"UPDATE generation_batches SET status = 'pending', attempts = 0, generated = 0,"
            f" available_at = {now}, last_error = NULL, finished_at = NULL"
            " WHERE task_id = :t AND status IN ('failed', 'cancelled')"
        ),
        {"t": task_id} | params,
    )
    counts = batch_counts(conn, task_id)
    missing = task.requested - counts.generated - counts.queued
    total = counts.total
    if missing > 0:
        insert_batches(conn, task_id, [missing], _next_batch_index(conn, task_id), topup=False)
        total += 1
    conn.execute(
        sql(
            "UPDATE generation_tasks SET generated = :generated, batches_done = :done,"
            " batches_total = :total WHERE task_id = :t"
        ),
        {"t": task_id, "generated": counts.generated, "done": counts.done, "total": total},
    )
    if counts.generated >= task.requested:
        # Its running batches finished after the cancel: nothing is missing, so it is done.
        complete_task(conn, task_id)
        return True
    notify_new_work(conn, task_id)
    return True


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


class Settled(NamedTuple):
    """A stranded task that a housekeeping check ended."""

    task_id: str
    status: str
    generated: int
    requested: int


def settle_stranded_tasks(conn: Connection, grace_seconds: float) -> list[Settled]:
    """End active tasks that have no open batch left (a slip nothing else would mend).

    One that holds every persona is completed, any other fails with a reason a retry mends.
    Each candidate is locked and looked at again first, so a batch queued meanwhile counts.
    """
    _, earlier, params = _clock(conn, -grace_seconds)
    open_batch = (
        "SELECT 1 FROM generation_batches b"
        " WHERE b.task_id = {task}.task_id AND b.status IN ('pending', 'running')"
    )
    candidates = conn.execute(
        sql(
            f"SELECT t.task_id FROM generation_tasks t WHERE t.status IN {ACTIVE}"
            f" AND t.updated_at < {earlier} AND NOT EXISTS ({open_batch.format(task='t')})"
            " LIMIT 100"
        ),
        params,
    ).all()
    settled = []
    for (task_id,) in candidates:
        task = conn.execute(
            sql(
                "UPDATE generation_tasks SET updated_at = updated_at"
                f" WHERE task_id = :t AND status IN {ACTIVE}"
                f" AND NOT EXISTS ({open_batch.format(task='generation_tasks')})"
                " RETURNING requested, generated"
            ),
            {"t": task_id},
        ).first()
        if task is None:
            continue
        if task.generated >= task.requested:
            complete_task(conn, task_id)
            status = TaskStatus.COMPLETED.value
        else:
            fail_task(
                conn,
                task_id,
                f"stopped at {task.generated} of {task.requested} personas with no batch left"
                " to make the rest; retry it to generate what is missing",
            )
            status = TaskStatus.FAILED.value
        settled.append(Settled(task_id, status, int(task.generated), int(task.requested)))
    return settled


# --- what is left, and the seed's health figures --------------------------------------------


def unfinished_work(conn: Connection, task_id: str | None = None) -> int:
    """Batches of unfinished tasks (or of one task) waiting, retries included, or running."""
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
    )


def next_available_in(conn: Connection) -> float | None:
    """Seconds until the earliest waiting batch may be claimed (0 if now), None if none wait."""
    row = conn.execute(
        sql(
            "SELECT min(b.available_at) AS next_at FROM generation_batches b"
            " JOIN generation_tasks t ON t.task_id = b.task_id"
            f" WHERE t.status IN {ACTIVE} AND b.status = 'pending'"
        ).columns(next_at=_utc_type()),
    ).first()
    if row is None or row[0] is None:
        return None
    return max(0.0, (row[0] - datetime.now(UTC)).total_seconds())


def _utc_type() -> Any:
    from avatar_data_generator.db import UTCDateTime

    return UTCDateTime()


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
    now = datetime.now(UTC)
    since = now - timedelta(seconds=min_gap_seconds)
    bind = {"since": since if is_postgres(conn) else _sqlite_ts(since)}
    recent = conn.execute(
        sql("SELECT 1 FROM queue_samples WHERE sampled_at > :since LIMIT 1"), bind
    ).first()
    if recent is not None:
        return False
    conn.execute(
        insert(QueueSample),
        {
            "sampled_at": now,
            "queue_depth": queue_depth(conn),
            "running_batches": running_batches(conn),
        },
    )
    return True


def health_stats(conn: Connection) -> dict[str, Any]:
    """The seed's four figures: processed in the last hour, queue depth, error rate, avg time."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    since = {"since": _sqlite_ts(hour_ago) if not is_postgres(conn) else hour_ago}
    processed = conn.execute(
        sql(
            "SELECT COUNT(*) FROM generation_tasks WHERE status IN ('data-generated',"
            " 'completed') AND updated_at > :since"
        ),
        since,
    ).scalar_one()
    counts = conn.execute(
        sql(
            "SELECT"
            " COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed,"
            " COUNT(CASE WHEN status IN ('data-generated', 'completed') THEN 1 END) AS success"
            " FROM generation_tasks WHERE updated_at > :since"
        ),
        since,
    ).one()
    durations = conn.execute(
        sql(
            "SELECT started_at, finished_at FROM generation_tasks"
            " WHERE status = 'completed' AND finished_at > :since AND started_at IS NOT NULL"
        ).columns(started_at=_utc_type(), finished_at=_utc_type()),
        since,
    ).all()
    total = counts.failed + counts.success
    average = (
        sum((r.finished_at - r.started_at).total_seconds() for r in durations) / len(durations)
        if durations
        else None
    )
    return {
        "processed_last_hour": int(processed),
        "queue_depth": queue_depth(conn),
        "error_rate": round(counts.failed / total, 4) if total else 0.0,
        "failed_last_hour": int(counts.failed),
        "succeeded_last_hour": int(counts.success),
        "avg_processing_seconds": round(average, 3) if average is not None else None,
        "running_batches": running_batches(conn),
    }
