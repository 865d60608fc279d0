"""Task operations shared by the CLI, the API and the pages: submit, read, cancel, retry."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from avatar_data_generator import queue
from avatar_data_generator.db import db, utcnow, writing
from avatar_data_generator.generation.population import DATA_VERSION
from avatar_data_generator.models import GenerationTask, TaskStatus, User
from avatar_data_generator.prices import currency_for
from avatar_data_generator.queue import task_rows
from avatar_data_generator.task_plans import MAX_BATCH_SIZE as MAX_BATCH_SIZE
from avatar_data_generator.task_plans import TaskInputError as TaskInputError
from avatar_data_generator.task_plans import TaskPlan as TaskPlan
from avatar_data_generator.task_plans import bio_input_error as bio_input_error
from avatar_data_generator.task_plans import checked_bio_settings as checked_bio_settings
from avatar_data_generator.task_plans import plan_task
from avatar_data_generator.task_plans import save_bio_settings as save_bio_settings
from avatar_data_generator.task_plans import saved_bio_settings as saved_bio_settings
from avatar_data_generator.workers.postprocess import postprocess
from avatar_data_generator.workers.runtime import runtime_for

log = logging.getLogger(__name__)


class TaskNotFound(LookupError):
    """No task has that id."""


class TaskStateError(RuntimeError):
    """The task is not in a state that allows the operation."""


class TaskForbidden(PermissionError):
    """Only the task's owner and admins may cancel or retry it."""


def can_manage(task: GenerationTask, user: Any) -> bool:
    """Whether a user may cancel or retry the task: its owner or an admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin) or (task.user_id is not None and task.user_id == user.id)


def _check_may_manage(task: GenerationTask, actor: User | None) -> None:
    """`actor` None is the CLI, the operator's tool: full rights."""
    if actor is not None and not can_manage(task, actor):
        owner = task.created_by or "the command line"
        raise TaskForbidden(
            f"only the task's owner ({owner}) and admins can cancel or retry task {task.task_id}"
        )


def create_task(
    *,
    count: Any,
    batch_size: Any = None,
    provider: str | None = None,
    locale: str | None = None,
    seed: Any = None,
    bio_settings: Mapping[str, Any] | None = None,
    facts: str | None = None,
    user_id: int | None = None,
    created_by: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[GenerationTask, bool]:
    """Validate and enqueue a task with its batches; returns (task, created)."""
    plan = plan_task(
        count=count,
        batch_size=batch_size,
        provider=provider,
        locale=locale,
        seed=seed,
        bio_settings=bio_settings,
        facts=facts,
        for_write=True,
    )
    existing = _replay(user_id, idempotency_key)
    if existing is not None:
        return existing, False
    sizes = plan.batches
    now = utcnow()
    try:
        task = task_rows.insert_task(
            db.session,
            requested=plan.count,
            batch_size=plan.batch_size,
            provider=plan.provider,
            locale=plan.locale,
            seed=plan.seed,
            bio_settings=plan.settings,
            facts=plan.facts,
            batches_total=len(sizes),
            user_id=user_id,
            created_by=created_by,
            idempotency_key=idempotency_key,
            provenance=plan.provenance
            | {
                "settings": plan.settings,
                "seed": plan.seed,
                "facts": plan.facts,
                "countries": list(plan.countries),
                "population_data_version": DATA_VERSION,
                "as_of": now.date().isoformat(),
            },
            quality={},
            created_at=now,
        )
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won the race.
        db.session.rollback()
        existing = _replay(user_id, idempotency_key)
        if existing is None:
            raise
        return existing, False
    conn = db.session.connection()
    queue.insert_batches(conn, task.task_id, sizes)
    queue.notify_new_work(conn, task.task_id)
    db.session.commit()
    wake_local_worker()
    return get_task(task.task_id), True


#: Who may decide a persona's facts.
def _replay(user_id: int | None, idempotency_key: str | None) -> GenerationTask | None:
    """The task this user already created with this Idempotency-Key, or None."""
    if not idempotency_key:
        return None
    existing = task_rows.task_by_key(db.session, user_id, idempotency_key)
    return None if existing is None else get_task(existing.task_id)


def wake_local_worker() -> None:
    """On SQLite there is no NOTIFY: wake this process's dispatcher directly."""
    runtime = runtime_for(current_app)
    if runtime is not None:
        runtime.dispatcher.wake()


def get_task(task_id: str) -> GenerationTask:
    """The task with this id, fresh from the database, detached and with no transaction left open.

    Ending the read here matters on SQLite, where every transaction holds the write lock:
    a caller that goes on to stream, wait or poll must not block the workers meanwhile.
    """
    if len(task_id) > 64 or "\x00" in task_id:  # no such id, and PostgreSQL refuses NUL
        raise TaskNotFound(f"no task {task_id[:64]}")
    task = task_rows.task_by_id(db.session, task_id)
    if task is None:
        db.session.rollback()
        raise TaskNotFound(f"no task {task_id}")
    db.session.expunge(task)
    db.session.rollback()
    return task


def cancel_task(task_id: str, actor: User | None = None) -> GenerationTask:
    """Stop handing out the task's batches and end it `cancelled`."""
    _check_may_manage(get_task(task_id), actor)
    if not queue.cancel_task(db.session.connection(), task_id):
        db.session.rollback()
        raise TaskStateError(f"task {task_id} has already finished ({get_task(task_id).status})")
    db.session.commit()
    return get_task(task_id)


def retry_task(task_id: str, actor: User | None = None) -> GenerationTask:
    """Generate only what a failed or cancelled task is missing."""
    task = get_task(task_id)
    _check_may_manage(task, actor)
    if not queue.retry_task(db.session.connection(), task_id):
        db.session.rollback()
        raise TaskStateError(
            f"only failed or cancelled tasks can be retried; task {task_id} is {task.status}"
        )
    db.session.commit()
    if get_task(task_id).status == TaskStatus.DATA_GENERATED.value:
        postprocess(writing(db.engine), task_id)  # nothing was missing: it is done
    wake_local_worker()
    return get_task(task_id)


def list_tasks(
    status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[GenerationTask], int]:
    """Newest first, optionally by status; returns (page, total)."""
    total = task_rows.count_tasks(db.session, status)
    return task_rows.tasks_page(db.session, status, limit, offset), total


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 with microseconds, as the contract writes times."""
    return value.isoformat(timespec="microseconds") if value else None


def task_to_dict(task: GenerationTask, *, detail: bool = True) -> dict[str, Any]:
    """A task as the contract shapes it for the CLI and the API."""
    data: dict[str, Any] = {
        "task_id": task.task_id,
        "status": task.status,
        "requested": task.requested,
        "generated": task.generated,
        "batches_total": task.batches_total,
        "batches_done": task.batches_done,
        "provider": task.provider,
        "created_by": task.created_by,
        "created_at": _iso(task.created_at),
        "started_at": _iso(task.started_at),
        "finished_at": _iso(task.finished_at),
        "error": task.error,
    }
    if detail:
        data |= {
            "batch_size": task.batch_size,
            "locale": task.locale,
            "seed": task.seed,
            "facts": task.facts,
            "provider_calls": task.provider_calls,
            "provider_errors": task.provider_errors,
            "tokens_used": task.tokens_used,
            "tokens_in": task.tokens_in,
            "tokens_out": task.tokens_out,
            "cost": task.cost,
            "currency": _currency(task),
            "provenance": task.provenance or {},
            "quality": task.quality or {},
            "updated_at": _iso(task.updated_at),
        }
    return data


def _currency(task: GenerationTask) -> str | None:
    """The currency of a task's cost: its price's in PROVIDER_PRICES (None without a cost)."""
    if task.cost is None:
        return None
    return currency_for(task.provider, task.provenance or {})


def iter_personas(task_id: str, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Stream a task's personas in storage order with constant memory (keyset pagination).

    Each chunk is read on its own short connection, so a long download never holds a
    transaction open (SQLite's write lock, PostgreSQL's snapshot) while the client reads.
    """
    last: tuple[int, int] = (-1, -1)
    while True:
        with db.engine.connect() as conn:
            rows = task_rows.personas_after(conn, task_id, last, chunk)
        if not rows:
            return
        for row in rows:
            yield row.data
        last = (rows[-1].batch_index, rows[-1].position)
