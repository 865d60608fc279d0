"""Task commands, run for real: the SQLite quick path, errors without tracebacks, JSON (exports:
`test_exports.py`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import update

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.models import GenerationTask
from tests.conftest import cli_env, run_cli


def test_sqlite_submit_burst_status_export(tmp_path: Path) -> None:
    env = cli_env("", INSTANCE_PATH=str(tmp_path / "instance"))
    del env["DATABASE_URL"]  # the default: SQLite in the instance folder
    assert run_cli(["db", "upgrade"], env, tmp_path).returncode == 0
    ids = []
    for _ in range(3):
        result = run_cli(["submit", "--count", "25", "--batch-size", "10", "--json"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        task = json.loads(result.stdout)
        assert task["status"] == "pending" and task["batches_total"] == 3
        ids.append(task["task_id"])
    result = run_cli(["worker", "--burst"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Task completed successfully - status set to 'data-generated'" in result.stderr
    for task_id in ids:
        status = json.loads(run_cli(["status", task_id, "--json"], env, tmp_path).stdout)
        assert status["status"] == "completed" and status["generated"] == 25
        assert status["finished_at"].endswith("+00:00") and "." in status["finished_at"]
    out = run_cli(["export", ids[0], "--format", "jsonl"], env, tmp_path).stdout.splitlines()
    assert len(out) == 25
    assert len({json.loads(line)["id"] for line in out}) == 25
    target = tmp_path / "p.csv"
    assert (
        run_cli(["export", ids[1], "--format", "csv", "-o", str(target)], env, tmp_path).returncode
        == 0
    )
    with target.open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 26  # a bio may hold a line break
    stats = json.loads(run_cli(["stats", "--json"], env, tmp_path).stdout)
    assert stats["processed_last_hour"] == 3 and stats["error_rate"] == 0.0


def test_errors_are_one_sentence_without_traceback(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    for args, words in [
        (["status", "no-such-task"], "no task no-such-task"),
        (["submit", "--count", "0"], "count must be at least 1"),
        (["submit", "--count", "ten"], "count must be a whole number"),
        (["submit", "--count", "1000000000"], "MAX_PERSONAS_PER_TASK"),
        (["submit", "--count", "5", "--provider", "gpt9"], "provider must be one of"),
        (["cancel", "nope"], "no task nope"),
    ]:
        result = run_cli(args, env, tmp_path)
        assert result.returncode != 0, args
        assert words in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = cli_env("postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = run_cli(["status", "x"], env, tmp_path)
    assert result.returncode != 0
    assert "database did not answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_submit_wait_and_retry_cancel(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    task = json.loads(run_cli(["submit", "--count", "10", "--json"], env, tmp_path).stdout)
    cancelled = run_cli(["cancel", task["task_id"], "--json"], env, tmp_path)
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    retried = run_cli(["retry", task["task_id"], "--json"], env, tmp_path)
    assert json.loads(retried.stdout)["status"] == "pending"
    assert run_cli(["worker", "--once"], env, tmp_path).returncode == 0
    final = json.loads(run_cli(["status", task["task_id"], "--json"], env, tmp_path).stdout)
    assert final["status"] == "completed" and final["generated"] == 10


def test_bio_settings_that_are_not_json_or_not_an_object(runner: FlaskCliRunner) -> None:
    for value, words in [
        ("{oops", "--bio-settings is not valid JSON"),
        ("@/no/such/file.json", "--bio-settings is not valid JSON"),
        ('"loud"', "bio_settings: must be a JSON object"),
        ('{"platforms": {"myspace": 100}}', "bio_settings.platforms: unknown platform(s): myspace"),
    ]:
        result = runner.invoke(args=["submit", "--count", "1", "--bio-settings", value])
        assert result.exit_code != 0, value
        assert words in result.output, (value, result.output)
        assert "Traceback" not in result.output


def test_status_shows_tokens_and_cost_when_set(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        task, _ = tasks.create_task(count=4)
    plain = runner.invoke(args=["status", task.task_id])
    assert plain.exit_code == 0 and "tokens" not in plain.output and "cost" not in plain.output
    with app.app_context():
        db.session.execute(
            update(GenerationTask)
            .where(GenerationTask.task_id == task.task_id)
            .values(
                tokens_in=1200,
                tokens_out=3400,
                tokens_used=4600,
                cost=0.0123,
                provider_calls=5,
                provider_errors=1,
            )
        )
        db.session.commit()
    text = runner.invoke(args=["status", task.task_id]).output
    assert "tokens 1,200 in, 3,400 out; cost $0.01; 1 of 5 provider calls failed" in text
    data = json.loads(runner.invoke(args=["status", task.task_id, "--json"]).output)
    assert (data["tokens_in"], data["tokens_out"], data["cost"]) == (1200, 3400, 0.0123)
    assert data["currency"] == "USD" and data["provider_errors"] == 1
