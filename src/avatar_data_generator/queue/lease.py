"""Leases: renew the batches in flight, take back expired ones, give back, retry later, fail."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.queue.batches import fail_task, fence, notify_new_work
from avatar_data_generator.queue.dialect import Clock, sql
from avatar_data_generator.queue.rows import ClaimedBatch


def renew_leases(conn: Connection, owner: str, lease_seconds: float, batch_ids: list[int]) -> int:
    """Extend the leases of the batches this process is still running, in one statement.

    Only the batches in flight: one whose finish failed (say the database was away) must not
    be kept alive by a heartbeat that no longer works on it, or it would never be taken back.
    """
    if not batch_ids:
        return 0
    clock = Clock(conn)
    result = conn.execute(
        sql(
            f"UPDATE generation_batches SET lease_expires_at = {clock.shifted(lease_seconds)}"
            " WHERE lease_owner = :owner AND status = 'running' AND id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"owner": owner, "ids": batch_ids} | clock.params,
    )
    return result.rowcount


def reclaim_expired_leases(conn: Connection, max_attempts: int) -> list[tuple[str, int]]:
    """Take back batches whose lease ran out; those out of attempts fail with their task."""
    clock = Clock(conn)
    lock = "FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    expired = conn.execute(
        sql(
            "SELECT id, task_id, batch_index, attempts, lease_owner FROM generation_batches"
            f" WHERE status = 'running' AND lease_expires_at < {clock.now} {lock}"
        ),
        clock.params,
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


def count_failed_call(conn: Connection, task_id: str) -> None:
    """A provider call of this task failed: it counts among its calls and its errors."""
    conn.execute(
        sql(
            "UPDATE generation_tasks SET provider_calls = provider_calls + 1,"
            " provider_errors = provider_errors + 1 WHERE task_id = :t"
        ),
        {"t": task_id},
    )


def retry_batch_later(
    conn: Connection, batch: ClaimedBatch, owner: str, error: str, delay: float
) -> bool:
    """Fenced: a failed call; put the batch back with a backoff before it may be claimed again."""
    clock = Clock(conn)
    fenced = fence(
        conn,
        batch.id,
        owner,
        f"status = 'pending', available_at = {clock.shifted(delay)}, last_error = :error",
        {"error": error} | clock.params,
    )
    if fenced:
        count_failed_call(conn, batch.task_id)
    return fenced


def postpone_batch(
    conn: Connection, batch: ClaimedBatch, owner: str, error: str, delay: float, called: bool
) -> bool:
    """Fenced: put a batch back for `delay` without spending its attempt (its provider is
    paused: rate-limited or down); a call it made still counts among the task's calls."""
    clock = Clock(conn)
    fenced = fence(
        conn,
        batch.id,
        owner,
        f"status = 'pending', attempts = attempts - 1, available_at = {clock.shifted(delay)},"
        " last_error = :error",
        {"error": error} | clock.params,
    )
    if fenced and called:
        count_failed_call(conn, batch.task_id)
    return fenced


def fail_batch(
    conn: Connection, batch: ClaimedBatch, owner: str, error: str, called: bool = True
) -> bool:
    """Fenced: fail a batch for good, and its task with the same reason."""
    clock = Clock(conn)
    if not fence(
        conn,
        batch.id,
        owner,
        f"status = 'failed', finished_at = {clock.now}, last_error = :error",
        {"error": error} | clock.params,
    ):
        return False
    if called:
        count_failed_call(conn, batch.task_id)
    fail_task(conn, batch.task_id, error)
    return True


def _fail_batch_row(conn: Connection, batch_id: int, error: str) -> None:
    clock = Clock(conn)
    conn.execute(
        sql(
            f"UPDATE generation_batches SET status = 'failed', finished_at = {clock.now},"
            " lease_owner = NULL, lease_expires_at = NULL, last_error = :error WHERE id = :id"
        ),
        {"id": batch_id, "error": error} | clock.params,
    )
