"""SIGTERM: running batches finish within the grace; what cannot finish is handed back at once."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from avatar_data_generator import tasks
from tests.conftest import AppFactory, cli_env, worker_processes
from tests.workers.test_multiprocess import flowise_config, scalar, submit_many, wait_until

pytestmark = pytest.mark.slow


def test_sigterm_finishes_in_flight_batches_within_the_grace(
    make_app: AppFactory, pg_url: str, flowise: Any, tmp_path: Path
) -> None:
    flowise.delay = 1.0
    app = make_app(pg_url, **flowise_config(flowise.url))
    [task_id] = submit_many(app, 1, count=40, batch_size=10)
    env = cli_env(pg_url, **flowise_config(flowise.url), MULTITHREAD_FLOWISE=2, GRACEFUL_TIMEOUT=20)
    with worker_processes(1, env, tmp_path) as [proc]:
        assert wait_until(lambda: flowise.calls >= 2, 30)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out[-2000:]
    # The two calls in flight at SIGTERM were stored, not thrown away; nothing more was claimed.
    assert scalar(app, "SELECT count(*) FROM generation_batches WHERE status = 'done'") == 2
    assert scalar(app, "SELECT count(*) FROM generation_batches WHERE status = 'running'") == 0
    assert flowise.calls == 2
    with worker_processes(1, env, tmp_path, ["--burst"]) as [rescuer]:
        rescuer.communicate(timeout=60)
    assert flowise.calls == 4  # the other two batches only: nothing redone
    assert scalar(app, "SELECT generated FROM generation_tasks WHERE task_id = :t", t=task_id) == 40


def test_sigterm_past_the_grace_releases_leases_and_exits_promptly(
    make_app: AppFactory, pg_url: str, flowise: Any, tmp_path: Path
) -> None:
    flowise.delay = 30.0
    app = make_app(pg_url, **flowise_config(flowise.url))
    submit_many(app, 1, count=10, batch_size=10)
    env = cli_env(pg_url, **flowise_config(flowise.url), GRACEFUL_TIMEOUT=1, LEASE_SECONDS=600)
    with worker_processes(1, env, tmp_path) as [proc]:
        assert wait_until(lambda: flowise.calls == 1, 30)
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        took = time.monotonic() - stopped
    assert proc.returncode == 0, out[-2000:]
    assert took < 10  # not the 30 s the provider call would have taken
    assert "Released 1 lease" in out
    # Handed back at once (not after the 600 s lease), and the attempt does not count.
    assert scalar(app, "SELECT status FROM generation_batches") == "pending"
    assert scalar(app, "SELECT attempts FROM generation_batches") == 0


def test_sigterm_while_tasks_are_post_processed_strands_none(
    make_app: AppFactory, pg_url: str, tmp_path: Path
) -> None:
    """Hundreds of one-persona tasks: SIGTERM while tasks wait for their reports, start again."""
    app = make_app(pg_url)
    with app.app_context():
        ids = [
            tasks.create_task(count=1, batch_size=1, provider="local")[0].task_id
            for _ in range(600)
        ]
    # Reports made slowly in the first process (0.3 s a group), so that tasks wait for theirs
    # when SIGTERM comes: those must still be completed before the process leaves.
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "import time\n"
        "from avatar_data_generator.workers import postprocess as p\n"
        "real = p.postprocess_many\n"
        "def slow(*args, **kwargs):\n"
        "    time.sleep(0.3)\n"
        "    return real(*args, **kwargs)\n"
        "p.postprocess_many = slow\n"
    )
    env = cli_env(pg_url, MULTITHREAD_FLOWISE=4, PERSONAS_PER_BATCH=1, GRACEFUL_TIMEOUT=20)
    done = "SELECT count(*) FROM generation_tasks WHERE status = 'completed'"
    stored = "SELECT count(*) FROM generation_tasks WHERE status = 'data-generated'"
    slow_env = env | {"PYTHONPATH": str(inject)}
    with worker_processes(1, slow_env, tmp_path) as [proc]:
        assert wait_until(lambda: scalar(app, done) >= 50 and scalar(app, stored) >= 20, 60)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-2000:]
    # Every task whose personas were all stored got its report before the process left.
    assert scalar(app, stored) == 0
    first = scalar(app, done)
    assert 50 <= first < 600  # stopped in the middle
    with worker_processes(1, env, tmp_path, ["--burst"]) as [again]:
        out, _ = again.communicate(timeout=120)
        assert again.returncode == 0, out[-2000:]
    assert scalar(app, done) == 600
    assert scalar(app, "SELECT count(*) FROM generation_results") == 600  # none twice
    with app.app_context():
        reports = [tasks.get_task(t).quality["realism"] for t in ids]
    assert all(r["personas"] == 1 and "error" not in r for r in reports)
