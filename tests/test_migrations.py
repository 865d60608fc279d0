"""Migrations build the schema the models describe, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from avatar_data_generator.db import db
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.tasks import create_task
from tests.conftest import AppFactory


def test_models_and_migrations_do_not_drift(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_tables_keep_the_seed_names(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
    assert {"generation_tasks", "generation_results", "generation_batches", "bio_settings"} <= names


def test_status_strings_are_stored_exactly(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url)
    assert [s.value for s in TaskStatus] == [
        "pending",
        "generating-data",
        "data-generated",
        "completed",
        "failed",
        "cancelled",
    ]
    with app.app_context(), db.engine.connect() as conn:
        check = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'ck_generation_tasks_status'"
            )
        ).scalar_one()
    for status in TaskStatus:
        assert f"'{status.value}'" in check


def test_downgrade_and_upgrade_again(make_app: AppFactory, sqlite_url: str) -> None:
    from flask_migrate import downgrade, upgrade

    app = make_app(sqlite_url)
    with app.app_context():
        downgrade(revision="base")
        assert "generation_tasks" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "generation_tasks" in inspect(db.engine).get_table_names()


def test_keying_personas_by_position_keeps_them(make_app: AppFactory, any_url: str) -> None:
    from flask_migrate import downgrade, upgrade

    app = make_app(any_url)
    with app.app_context():
        # The task first: the model is the newest schema's, and 0001 lacks its later columns.
        task_id = create_task(count=1, batch_size=1, provider="local")[0].task_id
        downgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO generation_results (id, task_id, batch_index, position,"
                    " first_name, last_name, date_of_birth, username, email, dedupe_key, data,"
                    " created_at) VALUES ('p1', :task_id, 0, 0, 'Ada', 'Byron', '1990-01-01',"
                    " 'ada', 'ada@example.org', 'ada byron 1990-01-01', '{}', :now)"
                ),
                {"now": "2026-01-01 00:00:00", "task_id": task_id},
            )
        upgrade()
        key = inspect(db.engine).get_pk_constraint("generation_results")
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT id, task_id FROM generation_results")).all()
    assert key["constrained_columns"] == ["task_id", "batch_index", "position"]
    assert [tuple(row) for row in kept] == [("p1", task_id)]
