"""What users and housekeeping do to a task: cancel it, retry it, end it when stranded."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.engine import Connection

from avatar_data_generator.models import TaskStatus
from avatar_data_generator.queue.batches import (
    batch_counts,
    fail_task,
    insert_batches,
    mark_data_generated,
    next_batch_index,
    notify_new_work,
)
from avatar_data_generator.queue.dialect import ACTIVE, Clock, sql


def cancel_task(conn: Connection, task_id: str) -> bool:
    """Stop handing out a task's batches and end it `cancelled`; False if already finished."""
    clock = Clock(conn)
    now = clock.now
    result = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'cancelled', finished_at = {now},"
            f" updated_at = {now} WHERE task_id = :t AND status IN {ACTIVE}"
        ),
        {"t": task_id} | clock.params,
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
    clock = Clock(conn)
    now = clock.now
    task = conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'pending', error = NULL, finished_at = NULL,"
            f" updated_at = {now} WHERE task_id = :t AND status IN ('failed', 'cancelled')"
            " RETURNING requested"
        ),
        {"t": task_id} | clock.params,
    ).first()
    if task is None:
        return False
    conn.execute(
        sql(
            f"UPDATE generation_batches SET status = 'pending', attempts = 0, generated = 0,"
            f" available_at = {now}, last_error = NULL, finished_at = NULL"
            " WHERE task_id = :t AND status IN ('failed', 'cancelled')"
        ),
        {"t": task_id} | clock.params,
    )
    counts = batch_counts(conn, task_id)
    missing = task.requested - counts.generated - counts.queued
    total = counts.total
    if missing > 0:
        insert_batches(conn, task_id, [missing], next_batch_index(conn, task_id))
        total += 1
    conn.execute(
        sql(
            "UPDATE generation_tasks SET generated = :generated, batches_done = :done,"
            " batches_total = :total WHERE task_id = :t"
        ),
        {"t": task_id, "generated": counts.generated, "done": counts.done, "total": total},
    )
    if counts.generated >= task.requested:
        # Its running batches finished before the cancel: nothing is missing; the caller
        # post-processes it (`workers.postprocess`).
        mark_data_generated(conn, task_id)
        return True
    notify_new_work(conn, task_id)
    return True


class Settled(NamedTuple):
    """A stranded task that a housekeeping check ended."""

    task_id: str
    status: str
    generated: int
    requested: int


def settle_stranded_tasks(conn: Connection, grace_seconds: float) -> list[Settled]:
    """End active tasks that have no open batch left (a slip nothing else would mend).

    One that holds every persona goes on to post-processing (`data-generated`), any other fails
    with a reason a retry mends.
    Each candidate is locked and looked at again first, so a batch queued meanwhile counts.
    """
    clock = Clock(conn)
    earlier = clock.shifted(-grace_seconds, "earlier")
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
        clock.params,
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
            mark_data_generated(conn, task_id)
            status = TaskStatus.DATA_GENERATED.value
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


def waiting_postprocessing(conn: Connection, grace_seconds: float) -> list[str]:
    """Tasks `data-generated` for longer than the grace: whoever stored their last batch did not
    post-process them (it stopped), so housekeeping does."""
    clock = Clock(conn)
    rows = conn.execute(
        sql(
            "SELECT task_id FROM generation_tasks WHERE status = 'data-generated'"
            f" AND updated_at < {clock.shifted(-grace_seconds, 'earlier')} LIMIT 100"
        ),
        clock.params,
    ).all()
    return [row.task_id for row in rows]
