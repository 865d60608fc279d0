"""Post-processing: a task whose personas are all stored gets its realism report, then completes.

The report (`generation.population.realism`, with the bios' languages and hashtags from
`generation.bio_audit`) is measured on the stored personas, whatever wrote them, so a model that
invents a 19-year-old surgeon, or writes a Japanese persona's bio in English, is caught here. It
reads the personas a chunk at a time, each chunk on its own short connection, and holds no lock
while it measures.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from avatar_data_generator import queue
from avatar_data_generator.generation.bio_audit import BioAudit, stride_for
from avatar_data_generator.generation.population.realism import RealismAccumulator
from avatar_data_generator.queue import task_rows

log = logging.getLogger(__name__)

CHUNK = 2000


def realism_of(engine: Engine, task_id: str) -> dict[str, Any]:
    """The realism report of a task's stored personas."""
    with engine.connect() as conn:
        settings, provenance, stored = task_rows.realism_inputs(conn, task_id)
    as_of = provenance.get("as_of")
    accumulator = RealismAccumulator(
        int(settings.get("age_min", 18)),
        int(settings.get("age_max", 70)),
        date.fromisoformat(as_of) if as_of else None,
    )
    platforms = settings.get("platforms")
    bios = BioAudit(settings.get("language"), stride_for(stored, len(platforms or {}) or 5))
    last: tuple[int, int] = (-1, -1)
    while True:
        with engine.connect() as conn:
            rows = task_rows.personas_after(conn, task_id, last, CHUNK)
        if not rows:
            break
        accumulator.add(row.data for row in rows)
        bios.add(row.data for row in rows)
        if len(rows) < CHUNK:
            break  # the last chunk: no round trip to learn that nothing follows
        last = (rows[-1].batch_index, rows[-1].position)
    return accumulator.report() | bios.report()


def postprocess(engine: Engine, task_id: str) -> float | None:
    """Write the realism report and complete the task; its seconds since it started.

    A report that cannot be made does not keep the task from completing: it says why instead.
    """
    try:
        report = realism_of(engine, task_id)
    except Exception as exc:
        log.exception("Realism report of task %s failed", task_id, extra={"task_id": task_id})
        report = {"error": f"the realism report could not be made: {type(exc).__name__}"}
    with engine.begin() as conn:
        return queue.complete_task(conn, task_id, report)
