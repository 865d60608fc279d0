"""What an estimate before a run reads: the recent completed tasks of one provider and model.

One statement, in the caller's session or connection. A task's model is its provenance's
`model`, or `chatflow_id` for Flowise (the chatflow decides the model there).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from avatar_data_generator.models import GenerationTask, TaskStatus

#: How many recent tasks an estimate looks at.
HISTORY_TASKS = 20


class HistoryTask(NamedTuple):
    """The figures of one completed task that an estimate needs."""

    requested: int
    generated: int
    batch_size: int
    provider_calls: int
    provider_errors: int
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None


def recent_tasks(
    session: Session | scoped_session[Any] | Connection,
    provider: str,
    model: str | None,
    limit: int = HISTORY_TASKS,
) -> list[HistoryTask]:
    """The latest completed tasks of this provider and model that stored personas, newest first."""
    t = GenerationTask
    query = select(
        t.requested,
        t.generated,
        t.batch_size,
        t.provider_calls,
        t.provider_errors,
        t.tokens_in,
        t.tokens_out,
        t.cost,
    ).where(
        t.status == TaskStatus.COMPLETED.value,
        t.provider == provider,
        t.generated > 0,
        t.batch_size > 0,
    )
    if model is not None:
        query = query.where(
            or_(
                t.provenance["model"].as_string() == model,
                t.provenance["chatflow_id"].as_string() == model,
            )
        )
    # Newest first by creation: the (status, created_at) index serves it, read backwards.
    query = query.order_by(t.created_at.desc(), t.id.desc()).limit(limit)
    return [
        HistoryTask(
            int(r.requested),
            int(r.generated),
            int(r.batch_size),
            int(r.provider_calls or 0),
            int(r.provider_errors or 0),
            None if r.tokens_in is None else int(r.tokens_in),
            None if r.tokens_out is None else int(r.tokens_out),
            None if r.cost is None else float(r.cost),
        )
        for r in session.execute(query).all()
    ]
