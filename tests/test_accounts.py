"""Accounts: the last admin, tokens, the CLI's account commands, and migration 0003's data."""

from __future__ import annotations

import json
import threading

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from avatar_data_generator import accounts, tasks
from avatar_data_generator.db import db
from avatar_data_generator.models import ApiToken, GenerationBatch, User
from tests.conftest import AppFactory

PASSWORD = "s3cret-password"


def test_two_admins_unmaking_each_other_leave_one(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url, DB_POOL_SIZE=4)
    with app.app_context():
        ids = [accounts.create_user(n, PASSWORD, is_admin=True).id for n in ("ana", "ben")]
    start = threading.Barrier(2)
    refused: list[str] = []

    def unmake(target: int) -> None:
        with app.app_context():
            start.wait()
            try:
                accounts.set_admin(target, False)
            except accounts.AccountError as exc:
                refused.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=unmake, args=(target,)) for target in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with app.app_context():
        admins = db.session.scalar(select(func.count()).select_from(User).where(User.is_admin))
    assert admins == 1 and len(refused) == 1 and "last admin" in refused[0]


def test_accounts_refuse_bad_input(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("ana", PASSWORD)
        with pytest.raises(accounts.AccountError) as short:
            accounts.create_user("ben", "short")
        assert short.value.field == "password"
        with pytest.raises(accounts.AccountError):
            accounts.create_user("x" * 81, PASSWORD)
        with pytest.raises(accounts.AccountError) as name:
            accounts.create_token("ana", "")
        assert name.value.field == "name"
        with pytest.raises(accounts.AccountError) as wrong:
            accounts.change_password(accounts.user_id_of("ana"), "not-it", "n3w-passw0rd")
        assert wrong.value.field == "current_password"
        assert accounts.authenticate("ana", PASSWORD) is not None
        assert accounts.authenticate("nobody", PASSWORD) is None


def test_revoking_a_token_touches_only_ones_own(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("ana", PASSWORD)
        accounts.create_user("ben", PASSWORD)
        token = accounts.create_token("ana", "laptop")
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "laptop"))
        assert row is not None
        assert not accounts.revoke_token(accounts.user_id_of("ben"), row.id)
        assert accounts.user_for_token(token) is not None
        assert accounts.revoke_token(accounts.user_id_of("ana"), row.id)
        assert accounts.user_for_token(token) is None
        assert not accounts.revoke_token(accounts.user_id_of("ana"), row.id)  # already


def test_cli_account_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "ana", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["set-admin", "ana"]).exit_code == 0
    listed = json.loads(runner.invoke(args=["list-users", "--json"]).output)
    assert listed["users"][0]["username"] == "ana" and listed["users"][0]["is_admin"]
    last = runner.invoke(args=["set-admin", "ana", "--revoke"])
    assert last.exit_code != 0 and "last admin" in last.output
    with app.app_context():
        epoch = db.session.scalar(select(User.session_epoch).where(User.username == "ana"))
    ended = runner.invoke(args=["end-sessions", "ana"])
    assert ended.exit_code == 0 and "logged out" in ended.output
    changed = runner.invoke(args=["set-password", "ana", "--password", "n3w-passw0rd"])
    assert changed.exit_code == 0
    with app.app_context():
        after = db.session.scalar(select(User.session_epoch).where(User.username == "ana"))
    assert after == (epoch or 0) + 2
    missing = runner.invoke(args=["end-sessions", "nobody"])
    assert missing.exit_code != 0 and "no user" in missing.output


def test_migration_0003_backfills_owners_and_keeps_data(make_app: AppFactory, any_url: str) -> None:
    from flask_migrate import downgrade, upgrade

    app = make_app(any_url)
    with app.app_context():
        ana = accounts.create_user("ana", PASSWORD)
        accounts.create_token("ana")
        task_id = tasks.create_task(count=25, batch_size=5, user_id=ana.id)[0].task_id
        cli_task = tasks.create_task(count=5)[0].task_id
        downgrade(revision="0002")
        columns = {c["name"] for c in db.inspect(db.engine).get_columns("generation_tasks")}
        assert "created_by" not in columns
        upgrade()
        owners = dict(
            db.session.execute(text("SELECT task_id, created_by FROM generation_tasks")).all()
        )
        assert owners == {task_id: "ana", cli_task: None}
        # Dropping the columns on SQLite copied no table: children were not cascaded away.
        batches = db.session.scalar(
            select(func.count())
            .select_from(GenerationBatch)
            .where(GenerationBatch.task_id == task_id)
        )
        assert batches == 5
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
        assert db.session.scalar(select(User.session_epoch)) == 0
