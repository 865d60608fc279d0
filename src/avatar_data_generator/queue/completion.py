"""Completing tasks: what post-processing reads of tasks whose personas are all stored, and the
statement that completes them with their realism reports, many tasks at a time.

A group of small tasks costs two reads and one write together: post-processing one-persona
tasks one by one took six round trips each (245 tasks/s from two workers, against 1,000 before
there was a report to write).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.models import GenerationResult, GenerationTask
from avatar_data_generator.queue.dialect import Clock, json_param, json_type, sql, utc_type


class RealismInputs(NamedTuple):
    """What a task's realism report needs besides its personas."""

    settings: dict[str, Any]
    provenance: dict[str, Any]
    stored: int


def realism_inputs(conn: Connection, task_ids: Sequence[str]) -> dict[str, RealismInputs]:
    """Bio settings, provenance and stored count of each task (tasks gone are left out)."""
    rows = conn.execute(
        select(
            GenerationTask.task_id,
            GenerationTask.bio_settings,
            GenerationTask.provenance,
            GenerationTask.generated,
        ).where(GenerationTask.task_id.in_(list(task_ids)))
    ).all()
    return {
        row.task_id: RealismInputs(
            dict(row.bio_settings or {}), dict(row.provenance or {}), int(row.generated or 0)
        )
        for row in rows
    }


def personas_of(conn: Connection, task_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every stored persona of these tasks, each task's in (batch_index, position) order."""
    out: dict[str, list[dict[str, Any]]] = {task_id: [] for task_id in task_ids}
    rows = conn.execute(
        select(GenerationResult.task_id, GenerationResult.data)
        .where(GenerationResult.task_id.in_(list(task_ids)))
        .order_by(GenerationResult.task_id, GenerationResult.batch_index, GenerationResult.position)
    )
    for task_id, data in rows:
        out[task_id].append(data)
    return out


# Each `data-generated` task of the input becomes `completed`, its realism report put into its
# quality report (a task given no report keeps its quality report as it is). The tasks are locked
# in task_id order first, as finishing locks them, so that the two never wait on each other in a
# cycle.
_COMPLETE_POSTGRES = """
WITH input AS (
    SELECT * FROM json_to_recordset(CAST(:reports AS json)) AS i(
           task_id text, realism jsonb, has_report boolean)
),
locked AS MATERIALIZED (
    SELECT t.task_id FROM generation_tasks t
     WHERE t.task_id IN (SELECT task_id FROM input)
     ORDER BY t.task_id
       FOR NO KEY UPDATE OF t
)
UPDATE generation_tasks t
   SET status = 'completed', finished_at = now(), updated_at = now(),
       quality = CAST(CASE
           WHEN NOT i.has_report THEN CAST(t.quality AS jsonb)
           WHEN jsonb_typeof(CAST(t.quality AS jsonb)) = 'object'
             THEN CAST(t.quality AS jsonb) || jsonb_build_object('realism', i.realism)
           ELSE jsonb_build_object('realism', i.realism) END AS json)
  FROM input i JOIN locked USING (task_id)
 WHERE t.task_id = i.task_id AND t.status = 'data-generated'
RETURNING t.task_id, t.started_at, t.finished_at
"""


def complete_tasks(
    conn: Connection, reports: Mapping[str, dict[str, Any] | None]
) -> dict[str, float | None]:
    """Post-processing is done: each `data-generated` task `completed`, its realism report in
    its quality report; the seconds since each started (None if it was not `data-generated`).

    Avatars are stored with each persona as (style, seed) and the rest of the quality report is
    kept up to date batch by batch, so the realism report is all post-processing writes.
    """
    out: dict[str, float | None] = dict.fromkeys(reports)
    if not reports:
        return out
    if is_postgres(conn):
        given = [
            {"task_id": task_id, "realism": report, "has_report": report is not None}
            for task_id, report in reports.items()
        ]
        rows = conn.execute(
            sql(_COMPLETE_POSTGRES).columns(started_at=utc_type(), finished_at=utc_type()),
            {"reports": json_param(given)},
        ).all()
    else:
        done = (_complete_one(conn, task_id, report) for task_id, report in reports.items())
        rows = [row for row in done if row is not None]
    for row in rows:
        if row.started_at is not None:
            out[row.task_id] = float((row.finished_at - row.started_at).total_seconds())
    return out


def _complete_one(conn: Connection, task_id: str, realism: dict[str, Any] | None) -> Any:
    """One task completed on SQLite, where the transaction holds the write lock."""
    clock = Clock(conn)
    now = clock.now
    return conn.execute(
        sql(
            f"UPDATE generation_tasks SET status = 'completed', finished_at = {now},"
            f" updated_at = {now}, quality = :quality"
            " WHERE task_id = :t AND status = 'data-generated'"
            " RETURNING task_id, started_at, finished_at"
        )
        .bindparams(bindparam("quality", type_=json_type(conn)))
        .columns(started_at=utc_type(), finished_at=utc_type()),
        {"t": task_id, "quality": _with_realism(conn, task_id, realism)} | clock.params,
    ).first()


def _with_realism(conn: Connection, task_id: str, realism: dict[str, Any] | None) -> Any:
    """The task's quality report with the realism section put in (or left as it is)."""
    quality = conn.execute(
        sql("SELECT quality FROM generation_tasks WHERE task_id = :t").columns(
            quality=json_type(conn)
        ),
        {"t": task_id},
    ).scalar()
    merged = dict(quality or {})
    if realism is not None:
        merged["realism"] = realism
    return merged
