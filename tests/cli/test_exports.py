"""`export`, run for real: every format carries the provenance; `-o` writes a file and says how
far it got."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.conftest import cli_env, run_cli


def test_exports_carry_the_provenance(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    task = json.loads(run_cli(["submit", "--count", "3", "--json"], env, tmp_path).stdout)
    assert run_cli(["worker", "--burst"], env, tmp_path).returncode == 0
    line = run_cli(["export", task["task_id"], "--format", "jsonl"], env, tmp_path).stdout
    first = json.loads(line.splitlines()[0])
    assert first["provenance"]["task_id"] == task["task_id"]
    assert first["provenance"]["provider"] == "local" and first["provenance"]["prompt_version"]
    assert first["synthetic"] is True
    whole = json.loads(
        run_cli(["export", task["task_id"], "--format", "json"], env, tmp_path).stdout
    )
    assert whole["task"]["provenance"]["provider"] == "local" and len(whole["personas"]) == 3
    header = run_cli(["export", task["task_id"], "--format", "csv"], env, tmp_path).stdout
    # The columns of before, in their order, then the task's tokens and cost at the end.
    assert header.splitlines()[0].endswith(
        "task_id,provider,model,prompt_version,task_tokens_in,task_tokens_out,task_cost,"
        "task_currency"
    )
    local_row = next(csv.DictReader(io.StringIO(header)))
    assert local_row["task_cost"] == "0.0" and local_row["task_currency"] == "USD"


def test_export_to_a_file_reports_its_progress_on_stderr(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    task = json.loads(run_cli(["submit", "--count", "4", "--json"], env, tmp_path).stdout)
    assert run_cli(["worker", "--burst"], env, tmp_path).returncode == 0
    out = tmp_path / "personas.csv"
    done = run_cli(["export", task["task_id"], "--format", "csv", "-o", str(out)], env, tmp_path)
    assert done.returncode == 0 and done.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 4 and {r["task_id"] for r in rows} == {task["task_id"]}
    assert done.stderr.splitlines()[-1] == "export: 4/4 done"
