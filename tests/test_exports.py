"""Exports: Parquet round trips through the API and the CLI (row counts, column types, values
equal to the JSONL export, provenance and cost in the file's metadata), row groups streamed one
by one, an empty task, a clear 501 without pyarrow; the task's tokens and cost in CSV and JSONL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from avatar_data_generator import accounts, exports, tasks
from avatar_data_generator.db import db
from avatar_data_generator.exports import parquet
from avatar_data_generator.models import GenerationTask
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import cli_env, console_script, run_cli


@pytest.fixture
def auth(app: Flask) -> dict[str, str]:
    with app.app_context():
        accounts.create_user("exp", "exp-password-1")
        return {"Authorization": f"Bearer {accounts.create_token('exp')}"}


def finished_task(app: Flask, count: int, **kwargs: Any) -> str:
    """A completed local task, with made-up tokens and cost as a remote one would have."""
    with app.app_context():
        task, _ = tasks.create_task(count=count, batch_size=kwargs.pop("batch_size", 10), **kwargs)
        assert process_single_task(app)
        db.session.execute(
            update(GenerationTask)
            .where(GenerationTask.task_id == task.task_id)
            .values(tokens_in=1234, tokens_out=5678, tokens_used=6912, cost=0.0123)
        )
        db.session.commit()
        return task.task_id


def jsonl_of(client: FlaskClient, task_id: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(f"/api/tasks/{task_id}/results?format=jsonl", headers=auth)
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def as_json_value(name: str, value: Any) -> Any:
    """A Parquet cell as the JSONL export writes it."""
    if isinstance(value, date):
        return value.isoformat()
    if name == "bios" and value is not None:
        return {platform: bio for platform, bio in value.items() if bio is not None}
    return value


def assert_same_personas(table: pa.Table, lines: list[dict[str, Any]]) -> None:
    """Every persona field of every JSONL line is in the Parquet row, with the same value."""
    rows = table.to_pylist()
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines, strict=True):
        provenance = line.pop("provenance")
        assert row["task_id"] == provenance["task_id"]
        for name, value in line.items():
            assert as_json_value(name, row[name]) == value, name
        for name in set(row) - set(line) - {"task_id"}:
            assert row[name] is None, name  # a field the persona does not have is null


def check_schema(table: pa.Table) -> None:
    types = dict(zip(table.schema.names, table.schema.types, strict=True))
    assert types["id"] == pa.string() and types["first_name"] == pa.string()
    assert types["date_of_birth"] == pa.date32() and types["age"] == pa.int32()
    assert types["synthetic"] == pa.bool_()
    assert types["interests"] == pa.list_(pa.string())
    assert pa.types.is_struct(types["bios"]) and types["bios"].num_fields == 5
    assert [f.name for f in types["avatar"]] == ["style", "seed", "url"]
    assert [f.type for f in types["big_five"]] == [pa.int16()] * 5


def check_metadata(meta: dict[bytes, bytes], task_id: str, rows: int) -> None:
    provenance = json.loads(meta[b"provenance"])
    task = json.loads(meta[b"task"])
    assert provenance["task_id"] == task_id and provenance["provider"] == "local"
    assert provenance["prompt_version"] and provenance["population_data_version"]
    assert provenance["settings"]["platforms"]
    assert (provenance["tokens_in"], provenance["tokens_out"]) == (1234, 5678)
    assert provenance["cost"] == 0.0123 and provenance["currency"] == "USD"
    assert task["task_id"] == task_id and task["generated"] == rows and task["requested"] == rows
    assert task["cost"] == 0.0123 and task["tokens_in"] == 1234
    assert meta[b"rows"] == str(rows).encode()


def test_parquet_through_the_api_round_trips(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    task_id = finished_task(app, 23)
    response = client.get(f"/api/tasks/{task_id}/results?format=parquet", headers=auth)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.apache.parquet"
    assert response.headers["Content-Disposition"].endswith(f'personas-{task_id}.parquet"')
    file = pq.ParquetFile(io.BytesIO(response.data))
    table = file.read()
    assert table.num_rows == file.metadata.num_rows == 23
    check_schema(table)
    check_metadata(file.metadata.metadata, task_id, 23)
    assert json.loads(file.schema_arrow.metadata[b"provenance"])["task_id"] == task_id
    assert_same_personas(table, jsonl_of(client, task_id, auth))
    grounded = table.to_pylist()[0]
    assert (
        grounded["region"]
        and grounded["life_stage"]
        and set(grounded["big_five"])
        == {
            "openness",
            "conscientiousness",
            "extraversion",
            "agreeableness",
            "neuroticism",
        }
    )


def test_parquet_streams_one_row_group_at_a_time(app: Flask) -> None:
    task_id = finished_task(app, 25)
    with app.app_context():
        task = tasks.get_task(task_id)
        chunks = list(parquet.parquet_chunks(task, row_group=10))
    assert len(chunks) == 3  # two full groups handed on as they were written, then the rest
    assert chunks[0][:4] == b"PAR1" and chunks[-1][-4:] == b"PAR1"
    file = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert file.metadata.num_row_groups == 3
    assert [file.metadata.row_group(i).num_rows for i in range(3)] == [10, 10, 5]


def test_an_empty_task_is_a_valid_parquet_file(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    with app.app_context():
        task, _ = tasks.create_task(count=5)
    response = client.get(f"/api/tasks/{task.task_id}/results?format=parquet", headers=auth)
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(response.data))
    assert table.num_rows == 0
    check_schema(table)
    assert pq.read_metadata(io.BytesIO(response.data)).metadata[b"rows"] == b"0"


def test_without_pyarrow_parquet_is_a_clear_501(
    app: Flask, client: FlaskClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        task, _ = tasks.create_task(count=2)
    monkeypatch.setattr(parquet, "available", lambda: False)
    monkeypatch.setattr(parquet, "_arrow", _no_arrow)
    response = client.get(f"/api/tasks/{task.task_id}/results?format=parquet", headers=auth)
    assert response.status_code == 501
    error = response.get_json()["error"]
    assert error["code"] == "not_implemented" and "pip install pyarrow" in error["message"]
    assert client.get(
        f"/api/tasks/{task.task_id}/results?format=csv", headers=auth
    ).status_code == (200)


def _no_arrow() -> Any:
    raise exports.ParquetUnavailable("Parquet exports need pyarrow: pip install pyarrow")


def test_csv_and_jsonl_carry_the_tasks_tokens_and_cost(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    task_id = finished_task(app, 3)
    text = client.get(f"/api/tasks/{task_id}/results?format=csv", headers=auth)
    rows = list(csv.DictReader(io.StringIO(text.get_data(as_text=True))))
    assert list(rows[0])[-8:] == [
        "task_id",
        "provider",
        "model",
        "prompt_version",
        "task_tokens_in",
        "task_tokens_out",
        "task_cost",
        "task_currency",
    ]
    assert list(rows[0]) == exports.CSV_COLUMNS
    assert (rows[0]["task_tokens_in"], rows[0]["task_cost"], rows[0]["task_currency"]) == (
        "1234",
        "0.0123",
        "USD",
    )
    line = jsonl_of(client, task_id, auth)[0]
    assert line["provenance"]["cost"] == 0.0123 and line["provenance"]["tokens_out"] == 5678
    whole = client.get(f"/api/tasks/{task_id}/results?format=json", headers=auth).get_json()
    assert whole["task"]["cost"] == 0.0123 and whole["task"]["currency"] == "USD"


def test_parquet_through_the_cli_round_trips(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    submitted = run_cli(["submit", "--count", "14", "--batch-size", "5", "--json"], env, tmp_path)
    task_id = json.loads(submitted.stdout)["task_id"]
    assert run_cli(["worker", "--burst"], env, tmp_path).returncode == 0
    target = tmp_path / "p.parquet"
    result = run_cli(["export", task_id, "--format", "parquet", "-o", str(target)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    file = pq.ParquetFile(target)
    table = file.read()
    assert table.num_rows == 14
    check_schema(table)
    meta = file.metadata.metadata
    assert json.loads(meta[b"provenance"])["task_id"] == task_id
    assert json.loads(meta[b"task"])["generated"] == 14 and meta[b"rows"] == b"14"
    jsonl = run_cli(["export", task_id, "--format", "jsonl"], env, tmp_path).stdout
    assert_same_personas(table, [json.loads(line) for line in jsonl.splitlines()])
    # Piped standard output gets the bytes too.
    piped = subprocess.run(
        [console_script(), "export", task_id, "--format", "parquet"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert pq.read_table(io.BytesIO(piped.stdout)).num_rows == 14
