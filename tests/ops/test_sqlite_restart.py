"""The embedded default survives a restart: `serve` answers on a SQLite file that has users.

Before the fix the second `serve` (or one after `create-user`) printed its URL and never
answered: an idle read of the first-admin check held SQLite's write lock for the server's life.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import cli_env, console_script, run_cli
from tests.ops.helpers import free_port, http_get


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[tuple[str, float]]:
    """`serve` as a real process; yields its URL and the seconds until /healthz answered 200."""
    port = free_port()
    log = (cwd / f"serve-{port}.log").open("w")
    proc = subprocess.Popen(
        [console_script(), "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    answered = None
    try:
        while time.monotonic() - started < 10 and answered is None:
            try:
                if http_get(f"{url}/healthz", timeout=1)[0] == 200:
                    answered = time.monotonic() - started
            except OSError:
                time.sleep(0.1)
        assert answered is not None, (cwd / f"serve-{port}.log").read_text()
        yield url, answered
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def _answers(url: str) -> None:
    """The health check and a page both answer at once, and a bearer-less API call is refused."""
    status, body, _ = http_get(f"{url}/healthz", timeout=5)
    assert status == 200 and '"reachable":true' in body.replace(" ", "")
    assert http_get(f"{url}/login", timeout=5)[0] == 200
    assert http_get(f"{url}/api/tasks", timeout=5)[0] == 401


def test_second_serve_and_serve_after_create_user_answer(tmp_path: Path) -> None:
    env = cli_env("", INSTANCE_PATH=str(tmp_path / "instance"), WORKER_INTERVAL="1")
    del env["DATABASE_URL"]  # the embedded default, as `make run` uses it
    assert run_cli(["db", "upgrade"], env, tmp_path).returncode == 0
    with serving(env, tmp_path) as (url, _):
        _answers(url)
    with serving(env, tmp_path) as (url, seconds):
        _answers(url)
        # The worker works too: a task submitted beside the server completes.
        result = run_cli(["submit", "--count", "30", "--wait", "--json"], env, tmp_path)
        assert result.returncode == 0, result.stderr
    assert seconds < 10

    other = tmp_path / "other"
    other.mkdir()
    env2 = cli_env("", INSTANCE_PATH=str(other / "instance"), WORKER_INTERVAL="1")
    del env2["DATABASE_URL"]
    assert run_cli(["db", "upgrade"], env2, other).returncode == 0
    created = run_cli(["create-user", "ana", "--password", "correct horse"], env2, other)
    assert created.returncode == 0, created.stderr
    with serving(env2, other) as (url, _):
        _answers(url)
