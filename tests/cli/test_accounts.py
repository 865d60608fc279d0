"""Account commands, run for real: users, passwords and tokens."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli_env, run_cli


def test_accounts_and_tokens(sqlite_url: str, tmp_path: Path) -> None:
    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    created = run_cli(["create-user", "ana", "--password", "correct horse"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    token = run_cli(["create-token", "ana"], env, tmp_path).stdout.strip().splitlines()[-1]
    assert token.startswith("adg_") and len(token) > 30
    again = run_cli(["create-user", "ana", "--password", "correct horse"], env, tmp_path)
    assert again.returncode != 0 and "already exists" in again.stderr
    changed = run_cli(["set-password", "ana", "--password", "battery staple"], env, tmp_path)
    assert changed.returncode == 0, changed.stderr
    short = run_cli(["set-password", "ana", "--password", "short"], env, tmp_path)
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
