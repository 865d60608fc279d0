"""The dashboard's two series: personas stored per hour and queue depth per quarter hour.

Each row is (bucket, value), where a bucket is a whole number of `seconds`-long spans since the
epoch; the page turns buckets back into times and fills the gaps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, cast, func, select

from avatar_data_generator.db import is_postgres
from avatar_data_generator.models import GenerationResult, QueueSample
from avatar_data_generator.queue.task_rows import DbSession


def _bucket(session: DbSession, column: Any, seconds: int) -> Any:
    """Whole `seconds`-long buckets since the epoch, as SQL on the session's dialect."""
    if is_postgres(session.connection()):
        return cast(func.floor(func.extract("epoch", column) / seconds), Integer)
    return cast(func.strftime("%s", column), Integer) / seconds


def personas_per_bucket(session: DbSession, since: datetime, seconds: int) -> list[Any]:
    """Personas stored since `since`, counted per bucket."""
    bucket = _bucket(session, GenerationResult.created_at, seconds)
    query = select(bucket, func.count()).where(GenerationResult.created_at >= since)
    return list(session.execute(query.group_by(bucket)).all())


def depth_per_bucket(session: DbSession, since: datetime, seconds: int) -> list[Any]:
    """The deepest queue sampled since `since`, per bucket."""
    bucket = _bucket(session, QueueSample.sampled_at, seconds)
    query = select(bucket, func.max(QueueSample.queue_depth)).where(QueueSample.sampled_at >= since)
    return list(session.execute(query.group_by(bucket)).all())
