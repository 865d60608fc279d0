"""Countries on the command line: listed, chosen with --country, and refused with the list."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli_env, run_cli


def test_countries_lists_every_supported_one(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    result = run_cli(["countries", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)["countries"]
    assert len(listed) == 26
    assert {"code": "JP", "name": "Japan", "demonym": "Japanese", "language": "ja"} in listed
    text = run_cli(["countries"], env, tmp_path).stdout
    assert "Germany" in text and "26 countries" in text


def test_submit_takes_countries_and_refuses_unsupported_ones(
    sqlite_url: str, tmp_path: Path
) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    ok = run_cli(
        ["submit", "--count", "6", "--country", "DE", "--country", "Japan", "--json"], env, tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    task = json.loads(ok.stdout)
    assert task["provenance"]["countries"] == ["DE", "JP"]
    for args in (["--country", "Atlantis"], ["--locale", "xx-YY"], ["--locale", "sw"]):
        refused = run_cli(["submit", "--count", "6", *args], env, tmp_path)
        assert refused.returncode != 0
        assert "Traceback" not in refused.stderr
        assert "supported:" in refused.stderr and "Japan (JP)" in refused.stderr, refused.stderr
    worked = run_cli(["worker", "--burst"], env, tmp_path)
    assert worked.returncode == 0, worked.stderr
    status = json.loads(run_cli(["status", task["task_id"], "--json"], env, tmp_path).stdout)
    assert status["status"] == "completed"
    out = run_cli(["export", task["task_id"], "--format", "jsonl"], env, tmp_path).stdout
    assert {json.loads(line)["country_code"] for line in out.splitlines()} == {"DE", "JP"}
