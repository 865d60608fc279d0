"""The task table as the task operations and the pages read and write it, one statement each.

Each function runs one statement in the caller's session (or connection); the caller owns the
transaction (`db.begin_write()` first when it reads, then writes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from avatar_data_generator.models import (
    BioSettings,
    GenerationBatch,
    GenerationResult,
    GenerationTask,
)

#: A session, or Flask-SQLAlchemy's `db.session` that stands for the current one.
DbSession = Session | scoped_session[Any]
#: The scope of the team's saved default bio settings.
DEFAULT_SCOPE = "default"


def bio_settings_row(session: DbSession) -> BioSettings | None:
    """The saved default bio settings row, or None."""
    return session.scalar(select(BioSettings).where(BioSettings.scope == DEFAULT_SCOPE))


def insert_bio_settings(session: DbSession, settings: dict[str, Any]) -> None:
    """Add the saved default bio settings row (written at the next flush)."""
    session.add(BioSettings(scope=DEFAULT_SCOPE, settings=settings))


def update_bio_settings(session: DbSession, settings: dict[str, Any]) -> None:
    """Replace the saved default bio settings."""
    session.execute(
        update(BioSettings).where(BioSettings.scope == DEFAULT_SCOPE).values(settings=settings)
    )


def insert_task(session: DbSession, **values: Any) -> GenerationTask:
    """Insert a task and flush, so its id exists (IntegrityError on a repeated key)."""
    task = GenerationTask(**values)
    session.add(task)
    session.flush()
    return task


def task_by_key(session: DbSession, user_id: int | None, key: str) -> GenerationTask | None:
    """The task a user created with this Idempotency-Key, or None."""
    return session.scalar(
        select(GenerationTask).where(
            GenerationTask.user_id == user_id, GenerationTask.idempotency_key == key
        )
    )


def task_by_id(session: DbSession, task_id: str) -> GenerationTask | None:
    """The task with this id, read afresh even if the session holds an older copy."""
    return session.scalar(
        select(GenerationTask)
        .where(GenerationTask.task_id == task_id)
        .execution_options(populate_existing=True)
    )


def tasks_page(
    session: DbSession, status: str | None, limit: int, offset: int
) -> list[GenerationTask]:
    """One page of tasks, newest first, optionally of one status."""
    query = select(GenerationTask)
    if status:
        query = query.where(GenerationTask.status == status)
    query = query.order_by(GenerationTask.created_at.desc(), GenerationTask.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)).all())


def count_tasks(session: DbSession, status: str | None) -> int:
    """How many tasks there are, optionally of one status."""
    query = select(func.count()).select_from(GenerationTask)
    if status:
        query = query.where(GenerationTask.status == status)
    return int(session.scalar(query) or 0)


def count_by_status(session: DbSession) -> dict[str, int]:
    """Tasks per status (statuses with none are left out)."""
    rows = session.execute(
        select(GenerationTask.status, func.count()).group_by(GenerationTask.status)
    ).all()
    return {str(status): int(count) for status, count in rows}


def count_personas(session: DbSession, task_id: str) -> int:
    """How many personas a task has stored."""
    query = select(func.count()).select_from(GenerationResult)
    return int(session.scalar(query.where(GenerationResult.task_id == task_id)) or 0)


def personas_page(session: DbSession, task_id: str, limit: int, offset: int) -> list[Any]:
    """One page of a task's personas (their data), in storage order."""
    return list(
        session.scalars(
            select(GenerationResult.data)
            .where(GenerationResult.task_id == task_id)
            .order_by(GenerationResult.batch_index, GenerationResult.position)
            .limit(limit)
            .offset(offset)
        ).all()
    )


def personas_after(
    conn: Connection, task_id: str, after: tuple[int, int], limit: int
) -> list[Row[Any]]:
    """The next `limit` personas after (batch_index, position): keyset pagination."""
    key = tuple_(GenerationResult.batch_index, GenerationResult.position)
    return list(
        conn.execute(
            select(GenerationResult.batch_index, GenerationResult.position, GenerationResult.data)
            .where(GenerationResult.task_id == task_id, key > after)
            .order_by(GenerationResult.batch_index, GenerationResult.position)
            .limit(limit)
        ).all()
    )


def average_batch_seconds(session: DbSession, task_id: str) -> float | None:
    """A task's average seconds per finished provider call, None before the first."""
    average = session.scalar(
        select(func.avg(GenerationBatch.duration_seconds)).where(
            GenerationBatch.task_id == task_id, GenerationBatch.duration_seconds.is_not(None)
        )
    )
    return float(average) if average is not None else None


def recent_batch_seconds(session: DbSession, since: datetime) -> float | None:
    """Average seconds of the provider calls done since `since`, across tasks (the estimate)."""
    average = session.scalar(
        select(func.avg(GenerationBatch.duration_seconds)).where(
            GenerationBatch.status == "done",
            GenerationBatch.finished_at > since,
            GenerationBatch.duration_seconds.is_not(None),
        )
    )
    return float(average) if average is not None else None
