"""Small helpers shared by the fault-injection tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import text

from avatar_data_generator import tasks
from avatar_data_generator.db import db

CHATFLOW = str(uuid.uuid4())


def flowise_config(url: str, **extra: Any) -> dict[str, Any]:
    """Settings that point the app at a Flowise stand-in."""
    return {
        "GENERATOR_PROVIDER": "flowise",
        "FLOWISE_API_URL": url,
        "FLOWISE_CHATFLOW_ID": CHATFLOW,
        "FLOWISE_TIMEOUT": 30,
    } | extra


def submit(
    app: Flask, count: int, batch_size: int, provider: str | None = None, facts: str | None = None
) -> str:
    """Create one task and return its id."""
    with app.app_context():
        task, _ = tasks.create_task(
            count=count, batch_size=batch_size, provider=provider, facts=facts
        )
        return task.task_id


def scalar(app: Flask, sql: str, **params: Any) -> Any:
    """One value from a query."""
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(app: Flask, sql: str, **params: Any) -> list[Any]:
    """Every row of a query."""
    with app.app_context(), db.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def status(app: Flask, task_id: str) -> str:
    """A task's status."""
    return str(scalar(app, "SELECT status FROM generation_tasks WHERE task_id = :t", t=task_id))


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll until true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def wait_finished(app: Flask, task_id: str, timeout: float) -> str:
    """Wait for a final status and return it (fails the test if it never comes: stuck)."""
    final = ("completed", "failed", "cancelled")
    assert wait_until(lambda: status(app, task_id) in final, timeout), (
        f"task stuck in {status(app, task_id)!r}: "
        + repr(
            rows(
                app,
                "SELECT batch_index, status, attempts, last_error FROM generation_batches"
                " WHERE task_id = :t ORDER BY batch_index",
                t=task_id,
            )
        )
    )
    return status(app, task_id)


def assert_exactly_once(app: Flask, task_id: str, requested: int) -> None:
    """Every persona stored once: the right count, no batch position or id twice."""
    n, ids, slots = rows(
        app,
        "SELECT count(*), count(DISTINCT id), count(DISTINCT (batch_index, position))"
        " FROM generation_results WHERE task_id = :t",
        t=task_id,
    )[0]
    assert n == ids == slots == requested
    generated = scalar(app, "SELECT generated FROM generation_tasks WHERE task_id = :t", t=task_id)
    assert generated == requested
