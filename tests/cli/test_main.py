"""The console script and `python -m avatar_data_generator.cli`: the same commands, one entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from avatar_data_generator import cli
from tests.conftest import cli_env, console_script

CLI_DIR = Path(cli.__file__).parent


def _help(command: list[str], tmp_path: Path) -> str:
    """The top-level help of a way of starting the command line."""
    env = cli_env(f"sqlite:///{tmp_path / 'help.db'}", INSTANCE_PATH=str(tmp_path / "instance"))
    done = subprocess.run(
        [*command, "--help"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_script_and_the_module_offer_every_command(tmp_path: Path) -> None:
    script = _help([console_script()], tmp_path)
    module = _help([sys.executable, "-m", "avatar_data_generator.cli"], tmp_path)
    assert script == module
    assert "Generate synthetic personas in bulk." in script
    for command in cli.COMMANDS:
        assert f"\n  {command.name} " in script, command.name


def test_only_the_entry_point_builds_the_app() -> None:
    """No command module imports `create_app`: the one arrow back up is gone."""
    for path in CLI_DIR.glob("*.py"):
        mentions = "create_app" in path.read_text()
        assert mentions == (path.name == "__main__.py"), path.name
