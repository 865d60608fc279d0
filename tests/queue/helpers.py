"""Helpers of the queue tests: storage rows, submitting, claiming and finishing by hand."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import select, text

from avatar_data_generator import queue, tasks
from avatar_data_generator.db import db
from avatar_data_generator.models import GenerationTask
from avatar_data_generator.queue import ClaimedBatch


def persona(n: int, task: str = "t") -> dict[str, Any]:
    """A storage row for a persona (as the worker builds it)."""
    data = {
        "id": str(uuid.uuid4()),
        "first_name": f"A{n}",
        "last_name": f"B{task}{n}",
        "date_of_birth": "1990-01-02",
        "username": f"user{task}{n}",
        "email": f"user{task}{n}@example.com",
    }
    return {
        **data,
        "date_of_birth": date(1990, 1, 2),
        "dedupe_key": f"a{n} b{n}|1990",
        "data": data,
    }


def submit(app: Flask, count: int, batch_size: int = 10) -> str:
    with app.app_context():
        task, _ = tasks.create_task(count=count, batch_size=batch_size, provider="local")
        return task.task_id


def claim(app: Flask, owner: str, limit: int = 1, lease: float = 60) -> list[ClaimedBatch]:
    with app.app_context(), db.engine.begin() as conn:
        return queue.claim_batches(conn, owner, limit, lease)


def finish(app: Flask, batch: ClaimedBatch, owner: str, rows: list[dict[str, Any]]) -> Any:
    with app.app_context(), db.engine.begin() as conn:
        return queue.finish_batch(conn, batch, owner, rows, duration=0.1, topup_budget=0)


def racing_claims(app: Flask, limit: int) -> tuple[list[ClaimedBatch], list[ClaimedBatch]]:
    """Claim as "a" and hold it uncommitted while "b" claims, then commit "a"'s claim."""
    with app.app_context():
        first = db.engine.connect()
        tx = first.begin()
        got_first = queue.claim_batches(first, "a", limit, 60)
        with db.engine.begin() as second:
            got_second = queue.claim_batches(second, "b", limit, 60)
        tx.commit()
        first.close()
    return got_first, got_second


def task_row(app: Flask, task_id: str) -> Any:
    """The task as a plain row, read on its own connection."""
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(
            select(GenerationTask.__table__).where(GenerationTask.task_id == task_id)
        ).first()


def lock_waits(app: Flask) -> int:
    """Sessions of this database waiting for a row lock."""
    with app.app_context(), db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


T = TypeVar("T")
R = TypeVar("R")


def at_once(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """Run `work` on every item, each on its own thread, released together; re-raises the first
    error a thread met."""
    barrier = threading.Barrier(len(items))
    results: list[R] = []
    errors: list[BaseException] = []

    def run(item: T) -> None:
        barrier.wait()
        try:
            results.append(work(item))
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
