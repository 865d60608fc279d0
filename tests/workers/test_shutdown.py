"""SIGTERM: running batches finish within the grace; what cannot finish is handed back at once."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

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
