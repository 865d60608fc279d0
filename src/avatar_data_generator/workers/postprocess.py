"""Post-processing: a task whose personas are all stored gets its realism report, then completes.

The report (`generation.population.realism`, with the bios' languages and hashtags from
`generation.bio_audit`) is measured on the stored personas, whatever wrote them, so a model that
invents a 19-year-old surgeon, or writes a Japanese persona's bio in English, is caught here.
Small tasks are read together (one read of up to CHUNK personas) and completed together (one
statement); a large task is read a chunk at a time, each chunk on its own short connection. No
lock is held while a report is measured.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from queue import SimpleQueue
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from avatar_data_generator import queue
from avatar_data_generator.generation.bio_audit import BioAudit, stride_for
from avatar_data_generator.generation.population.realism import RealismAccumulator
from avatar_data_generator.queue import RealismInputs, task_rows
from avatar_data_generator.queue.dialect import json_param
from avatar_data_generator.workers.completer import gather

log = logging.getLogger(__name__)

#: Personas read at a time: one chunk of a large task, or several small tasks together.
CHUNK = 2000
#: Most tasks completed by one statement.
MAX_GROUP = 64

#: A task's stored personas (their `data`, as JSON reads back).
Personas = Sequence[dict[str, Any]]


def task_report(
    inputs: RealismInputs, chunks: Iterable[Sequence[dict[str, Any]]]
) -> dict[str, Any]:
    """The realism report of a task's personas, given a chunk at a time."""
    settings, provenance, stored = inputs
    as_of = provenance.get("as_of")
    accumulator = RealismAccumulator(
        int(settings.get("age_min", 18)),
        int(settings.get("age_max", 70)),
        date.fromisoformat(as_of) if as_of else None,
    )
    platforms = settings.get("platforms")
    bios = BioAudit(settings.get("language"), stride_for(stored, len(platforms or {}) or 5))
    for chunk in chunks:
        accumulator.add(chunk)
        bios.add(chunk)
    return accumulator.report() | bios.report()


def _chunks(engine: Engine, task_id: str) -> Iterable[list[dict[str, Any]]]:
    """A large task's personas, CHUNK at a time (keyset pagination, a connection each)."""
    last: tuple[int, int] = (-1, -1)
    while True:
        with engine.connect() as conn:
            rows = task_rows.personas_after(conn, task_id, last, CHUNK)
        if rows:
            yield [row.data for row in rows]
        if len(rows) < CHUNK:
            return  # the last chunk: no round trip to learn that nothing follows
        last = (rows[-1].batch_index, rows[-1].position)


def realism_of(engine: Engine, task_id: str) -> dict[str, Any]:
    """The realism report of a task's stored personas."""
    with engine.connect() as conn:
        inputs = queue.realism_inputs(conn, [task_id])[task_id]
    return task_report(inputs, _chunks(engine, task_id))


def _failed(task_id: str, exc: Exception) -> dict[str, Any]:
    log.error("Realism report of task %s failed", task_id, exc_info=exc, extra={"task_id": task_id})
    return {"error": f"the realism report could not be made: {type(exc).__name__}"}


def reports_of(
    engine: Engine, task_ids: Sequence[str], known: Mapping[str, Personas] | None = None
) -> dict[str, dict[str, Any]]:
    """The realism report of each task (one that cannot be made says why instead); `known`:
    tasks whose stored personas the caller holds (as stored: JSON), so they are not read."""
    try:
        with engine.connect() as conn:
            inputs = queue.realism_inputs(conn, task_ids)
    except Exception as exc:
        return {task_id: _failed(task_id, exc) for task_id in task_ids}
    reports: dict[str, dict[str, Any]] = {}
    for task_id, rows in (known or {}).items():
        if task_id in inputs and inputs[task_id].stored == len(rows):
            reports[task_id] = _guarded(task_id, inputs[task_id], [rows])
    left = [t for t in task_ids if t in inputs and t not in reports]
    for task_id in left:
        if inputs[task_id].stored > CHUNK:  # read a chunk at a time (a lazy generator)
            reports[task_id] = _guarded(task_id, inputs[task_id], _chunks(engine, task_id))
    for group in _reads(left, inputs):
        try:
            with engine.connect() as conn:
                personas = queue.personas_of(conn, group)
        except Exception as exc:
            reports |= {task_id: _failed(task_id, exc) for task_id in group}
            continue
        for task_id in group:
            reports[task_id] = _guarded(task_id, inputs[task_id], [personas[task_id]])
    return reports


def _guarded(task_id: str, inputs: RealismInputs, chunks: Iterable[Personas]) -> dict[str, Any]:
    """A task's report, or why it could not be made (reading its chunks included)."""
    try:
        return task_report(inputs, chunks)
    except Exception as exc:
        return _failed(task_id, exc)


def _reads(task_ids: Sequence[str], inputs: Mapping[str, RealismInputs]) -> list[list[str]]:
    """The small tasks (CHUNK personas or fewer) in groups read together, CHUNK at most each."""
    groups: list[list[str]] = []
    size = CHUNK + 1
    for task_id in task_ids:
        stored = inputs[task_id].stored
        if stored > CHUNK:
            continue
        if size + stored > CHUNK:
            groups.append([])
            size = 0
        groups[-1].append(task_id)
        size += stored
    return groups


def postprocess_many(
    engine: Engine, task_ids: Sequence[str], known: Mapping[str, Personas] | None = None
) -> dict[str, float | None]:
    """Write each task's realism report and complete it; the seconds since each started (None
    for a task that was not waiting for it). A report that cannot be made does not keep its
    task from completing: it says why instead."""
    if not task_ids:
        return {}
    reports = reports_of(engine, task_ids, known)
    with engine.begin() as conn:
        return queue.complete_tasks(conn, {t: reports.get(t) for t in task_ids})


def postprocess(engine: Engine, task_id: str) -> float | None:
    """`postprocess_many` for one task."""
    return postprocess_many(engine, [task_id])[task_id]


_Item = tuple[str, dict[str, Any], Personas | None]

#: What is told once a task is post-processed: its id, its seconds (None if it was not waiting
#: for post-processing) and the log context it was handed over with.
Done = Callable[[str, float | None, dict[str, Any]], None]


class PostProcessor:
    """A thread per process that post-processes the tasks handed to it, many at a time, so the
    threads that store batches go on storing meanwhile.

    A task handed over and not yet completed when the process dies stays `data-generated`:
    housekeeping post-processes it after a grace period (`queue.waiting_postprocessing`).
    """

    def __init__(self, engine: Engine, done: Done, max_group: int = MAX_GROUP) -> None:
        self.engine = engine
        self.done = done
        self.max_group = max(1, max_group)
        self._queue: SimpleQueue[_Item | None] = SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(
        self, task_id: str, context: dict[str, Any], personas: Personas | None = None
    ) -> None:
        """Post-process a task soon (at once, on the calling thread, after `close`); `personas`:
        all it stored, when the caller holds them (as built for storing)."""
        with self._idle:
            closed = self._closed
            if not closed:
                self._pending += 1
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="avatar-postprocess", daemon=True
                    )
                    self._thread.start()
                self._queue.put((task_id, context, personas))
        if closed:
            self._process([(task_id, context, personas)])

    def pending(self) -> int:
        """Tasks handed over and not yet post-processed."""
        with self._idle:
            return self._pending

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every task handed over is post-processed; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Post-process what was handed over, then stop the thread."""
        with self._idle:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            group = [item]
            stop = gather(self._queue, group, self.max_group)
            self._process(group)
            with self._idle:
                self._pending -= len(group)
                self._idle.notify_all()
            if stop:
                return

    def _process(self, group: list[_Item]) -> None:
        ids = list(dict.fromkeys(task_id for task_id, _, _ in group))
        try:
            # Made JSON as the database gives them back: the report must not depend on who
            # read them. Here, not in `submit`, which runs on a thread that stores batches.
            known = {t: orjson.loads(json_param(rows)) for t, _, rows in group if rows is not None}
            seconds = postprocess_many(self.engine, ids, known)
        except Exception:
            # The tasks stay `data-generated`; housekeeping completes them after its grace.
            log.exception("[ERROR] Could not complete %d post-processed task(s)", len(ids))
            return
        for task_id, context, _ in group:
            try:
                self.done(task_id, seconds.get(task_id), context)
            except Exception:
                log.exception("Post-processing callback of task %s failed", task_id)
