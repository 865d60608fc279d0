"""Settings are read at app creation, never at import; the secret key is created exclusively."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from avatar_data_generator import config, create_app


def test_defaults_work_without_any_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "GENERATOR_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    settings = config.load_settings()
    assert settings["DATABASE_URL"].startswith("sqlite:///")
    assert settings["WORKER_INTERVAL"] == 30 and settings["MULTITHREAD_FLOWISE"] == 5
    assert settings["GENERATOR_PROVIDER"] == "local"
    assert settings["SCHEDULER_API_ENABLED"] is False


def test_dotenv_is_read_at_creation_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("WORKER_INTERVAL=10\nMULTITHREAD_FLOWISE=9\n")
    monkeypatch.setenv("MULTITHREAD_FLOWISE", "3")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["WORKER_INTERVAL"] == 10
    assert app.config["MULTITHREAD_FLOWISE"] == 3


def test_bad_provider_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENERATOR_PROVIDER", "gpt9")
    with pytest.raises(ValueError, match="GENERATOR_PROVIDER"):
        config.load_settings()


def test_importing_the_package_reads_nothing(tmp_path: Path) -> None:
    code = (
        "import os; os.environ['DATABASE_URL']='bogus://'; "
        "import avatar_data_generator, avatar_data_generator.cli, "
        "avatar_data_generator.queue, avatar_data_generator.workers.runtime; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_concurrent_processes_agree_on_the_secret_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from avatar_data_generator.config import "
        "ensure_secret_key; print(ensure_secret_key(Path(sys.argv[1])))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "inst")], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    keys = {p.communicate()[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
