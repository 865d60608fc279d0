"""Housekeeping: old finished tasks pruned in batches by one process; the claim uses its index."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from flask import Flask
from sqlalchemy import text

from avatar_data_generator import events, housekeeping, queue
from avatar_data_generator.db import db, psycopg_conninfo
from avatar_data_generator.queue.locks import advisory_key
from tests.conftest import AppFactory


def _seed_tasks(conn, n: int, status: str, age_days: float, results: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    """Insert n tasks with one batch and `results` personas each, finished `age_days` ago."""
    when = datetime.now(UTC) - timedelta(days=age_days)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    finished = when if status in ("completed", "failed", "cancelled") else None
    conn.execute(
        text(
            "INSERT INTO generation_tasks (task_id, status, requested, generated, batch_size,"
            " batches_total, batches_done, provider_calls, provenance, quality, provider, locale,"
            " bio_settings, created_at, started_at, finished_at, updated_at)"
            " SELECT t, :status, :r, :r, :r, 1, 1, 1, '{}', '{}', 'local', 'en', '{}', :when,"
            " :when, :fin, :when"
            " FROM unnest(CAST(:ids AS text[])) AS t"
        ),
        {"status": status, "r": results, "when": when, "fin": finished, "ids": ids},
    )
    conn.execute(
        text(
            "INSERT INTO generation_batches (task_id, batch_index, size, is_topup, status,"
            " attempts, generated, available_at)"
            " SELECT t, 0, :r, false, :bstatus, 1, :r, :when FROM unnest(CAST(:ids AS text[])) t"
        ),
        {
            "r": results,
            "when": when,
            "ids": ids,
            "bstatus": "done" if status in ("completed", "data-generated") else "pending",
        },
    )
    conn.execute(
        text(
            "INSERT INTO generation_results (id, task_id, batch_index, position, first_name,"
            " last_name, date_of_birth, username, email, dedupe_key, data, created_at)"
            " SELECT gen_random_uuid()::text, t, 0, p, 'A', 'B', DATE '1990-01-01',"
            "  'u' || p || t, 'e' || p || t || '@example.com', 'k' || p || t, '{}', :when"
            " FROM unnest(CAST(:ids AS text[])) t, generate_series(0, :r - 1) p"
        ),
        {"r": results, "when": when, "ids": ids},
    )
    return ids


def _columns_ok(app: Flask) -> bool:
    with app.app_context(), db.engine.connect() as conn:
        cols = {
            r[0]
            for r in conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'generation_tasks'"
                )
            )
        }
    return {"batch_size", "batches_total", "batches_done", "locale", "bio_settings"} <= cols


def test_prune_deletes_old_finished_tasks_in_batches(make_app: AppFactory, pg_url: str) -> None:
    app: Flask = make_app(pg_url, RETENTION_DAYS=30)
    assert _columns_ok(app)
    with app.app_context(), db.engine.begin() as conn:
        old_done = _seed_tasks(conn, 25, "completed", 40)
        old_failed = _seed_tasks(conn, 5, "failed", 40)
        recent = _seed_tasks(conn, 4, "completed", 2)
        old_active = _seed_tasks(conn, 3, "pending", 40)
        engine = db.engine
    result = housekeeping.prune(engine, 30, batch_size=7)
    assert result.ran and result.tasks == 30
    assert result.batches >= 5  # 30 tasks in batches of 7, then the samples
    with app.app_context(), db.engine.connect() as conn:
        left = {r[0] for r in conn.execute(text("SELECT task_id FROM generation_tasks"))}
        results = conn.execute(text("SELECT COUNT(*) FROM generation_results")).scalar_one()
        batches = conn.execute(text("SELECT COUNT(*) FROM generation_batches")).scalar_one()
    assert left == set(recent) | set(old_active)
    assert not left & (set(old_done) | set(old_failed))
    assert results == 2 * 7 and batches == 7  # cascaded
    assert housekeeping.prune(engine, 0).ran is False  # 0 = off


def test_one_process_at_a_time(make_app: AppFactory, pg_url: str) -> None:
    app: Flask = make_app(pg_url, RETENTION_DAYS=1)
    with app.app_context(), db.engine.begin() as conn:
        _seed_tasks(conn, 3, "completed", 5)
        engine = db.engine
    with psycopg.connect(psycopg_conninfo(engine), autocommit=True) as other:
        key = advisory_key(housekeeping.LOCK_NAME)
        other.execute("SELECT pg_advisory_lock(%s)", (key,))
        assert housekeeping.prune(engine, 1).ran is False
        other.execute("SELECT pg_advisory_unlock(%s)", (key,))
    assert housekeeping.prune(engine, 1).tasks == 3


def test_tick_triggers_prune_rate_limited(make_app: AppFactory, pg_url: str) -> None:
    app: Flask = make_app(pg_url, RETENTION_DAYS=1, HOUSEKEEPING_INTERVAL=3600)
    with app.app_context(), db.engine.begin() as conn:
        _seed_tasks(conn, 2, "cancelled", 3)

    class Runtime:  # what the scheduler sends as the signal's sender
        def __init__(self, app: Flask) -> None:
            self.app = app

    keeper = app.extensions[housekeeping.EXTENSION]
    events.scheduler_ticked.send(Runtime(app), at=datetime.now(UTC))
    assert keeper.last_result is not None and keeper.last_result.tasks == 2
    with app.app_context(), db.engine.begin() as conn:
        _seed_tasks(conn, 2, "cancelled", 3)
    events.scheduler_ticked.send(Runtime(app), at=datetime.now(UTC))
    assert keeper.last_result.tasks == 2  # rate-limited: the second tick did not prune
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM generation_tasks")).scalar_one() == 2


def test_claim_statement_uses_its_partial_index(make_app: AppFactory, pg_url: str) -> None:
    """EXPLAIN the real claim statement on a table with many finished rows and a few pending."""
    app: Flask = make_app(pg_url)
    with app.app_context(), db.engine.begin() as conn:
        _seed_tasks(conn, 4000, "completed", 1, results=1)
        active = _seed_tasks(conn, 5, "pending", 0, results=1)
        conn.execute(text("ANALYZE"))
    statement = queue.claim.claim_sql(queue.claim.CLAIM_POSTGRES, 5)
    owner = str(uuid.uuid4())
    params = {"owner": owner, "secs": 60.0, "task_id": None}
    with app.app_context(), db.engine.connect() as conn:
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + statement), params))
        claimed = queue.claim_batches(conn, owner, 5, 60.0)
        conn.rollback()
    assert "ix_generation_batches_pending" in plan, plan
    assert "ix_generation_tasks_active" in plan, plan
    assert "Seq Scan on generation_batches" not in plan, plan
    assert {c.task_id for c in claimed} == set(active)


def test_claim_reads_only_its_window_when_statistics_are_stale(
    make_app: AppFactory, pg_url: str
) -> None:
    """Statistics taken while every batch waited for later (a burst, before autovacuum) must not
    make the claim read every pending batch: it walks the oldest tasks and stops at its window."""
    app: Flask = make_app(pg_url)
    with app.app_context(), db.engine.begin() as conn:
        _seed_tasks(conn, 3000, "pending", 0, results=1)
        conn.execute(text("UPDATE generation_batches SET available_at = now() + interval '1 hour'"))
        conn.execute(text("ANALYZE"))
        conn.execute(text("UPDATE generation_batches SET available_at = now()"))
    statement = queue.claim.claim_sql(queue.claim.CLAIM_POSTGRES, 4)
    params = {"owner": "probe", "secs": 60.0, "task_id": None}
    with app.app_context(), db.engine.connect() as conn:
        plan = conn.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + statement), params).scalar()
        conn.rollback()

    def rows_read(node: dict[str, Any]) -> int:
        """Rows that scans of generation_batches returned, over all their loops."""
        own = node["Actual Rows"] * node["Actual Loops"]
        read = own if node.get("Relation Name") == "generation_batches" else 0
        return read + sum(rows_read(child) for child in node.get("Plans", []))

    read = rows_read(plan[0]["Plan"])
    assert 4 <= read < 300, read


def test_a_task_left_without_open_batches_is_completed_or_failed_and_logged(
    make_app: AppFactory, any_url: str, caplog: Any
) -> None:
    """The net under the bookkeeping: a stranded active task is ended by the tick, with a log."""
    from avatar_data_generator import tasks

    app = make_app(any_url, LEASE_SECONDS=1)
    with app.app_context():
        whole = tasks.create_task(count=3, batch_size=3, provider="local")[0].task_id
        short = tasks.create_task(count=3, batch_size=3, provider="local")[0].task_id
        waiting = tasks.create_task(count=3, batch_size=3, provider="local")[0].task_id
    old = datetime.now(UTC) - timedelta(minutes=5)
    with app.app_context(), db.engine.begin() as conn:
        # As a slip would leave them: every batch done, yet still `generating-data`.
        for task_id, generated in ((whole, 3), (short, 2)):
            conn.execute(
                text("UPDATE generation_batches SET status = 'done' WHERE task_id = :t"),
                {"t": task_id},
            )
            conn.execute(
                text(
                    "UPDATE generation_tasks SET status = 'generating-data', generated = :g,"
                    " updated_at = :old WHERE task_id = :t"
                ),
                {"t": task_id, "g": generated, "old": old},
            )
        conn.execute(
            text("UPDATE generation_tasks SET updated_at = :old WHERE task_id = :t"),
            {"t": waiting, "old": old},
        )
    keeper = app.extensions[housekeeping.EXTENSION]
    with caplog.at_level("WARNING", logger="avatar_data_generator"):
        settled = keeper.settle_stranded()
    assert sorted((s.task_id, s.status) for s in settled) == sorted(
        [(whole, "data-generated"), (short, "failed")]
    )
    with app.app_context():
        completed = tasks.get_task(whole)  # post-processed at once: its realism report written
        assert completed.status == "completed" and "realism" in completed.quality
        failed = tasks.get_task(short)
        assert failed.status == "failed" and "stopped at 2 of 3" in (failed.error or "")
        assert tasks.get_task(waiting).status == "pending"  # its batch is open: left alone
        assert tasks.retry_task(short).status == "pending"  # a retry mends it
    assert "had no batch left at 2 of 3 personas; set to failed" in caplog.text
    assert keeper.settle_stranded() == []
