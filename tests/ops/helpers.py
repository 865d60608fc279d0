"""Helpers for the operations tests: a real gunicorn, a private PostgreSQL, HTTP and metrics."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """Poll until `check()` is truthy; return its value or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def http_get(url: str, timeout: float = 10) -> tuple[int, str, dict[str, str]]:
    """GET a URL; (status, body, headers) whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse Prometheus text into {(sample name, sorted labels): value}."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def metric(samples: dict[Any, float], name: str, **labels: str) -> float:
    """One sample's value, 0 when absent (a counter never incremented is not exported)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py avatar_data_generator.wsgi:app` as a real subprocess."""

    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path, workers: int = 3) -> None:
        self.port = free_port()
        self.workers = workers
        self.env = dict(env)
        self.env.update(
            {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers)}
        )
        self.cwd = cwd
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Gunicorn:
        """Start the master; wait until every worker has started its queue worker."""
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        handle = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(GUNICORN_CONF),
                "avatar_data_generator.wsgi:app",
            ],
            env=self.env,
            cwd=self.cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        if wait:
            wait_for(lambda: self.log().count("[STARTUP]") >= self.workers, timeout=60)
            wait_for(lambda: self._answers(), timeout=30)
        return self

    def _answers(self) -> bool:
        try:
            return http_get(f"{self.url}/healthz", timeout=2)[0] in (200, 503)
        except OSError:
            return False

    def log(self) -> str:
        """What this run has written so far."""
        data = self.log_path.read_bytes()[self._log_start :]
        return data.decode(errors="replace")

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM to the master and wait for a graceful exit."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """Make sure nothing is left running."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], cwd: Path, log_path: Path, workers: int = 3
) -> Iterator[Gunicorn]:
    """A running gunicorn, killed at the end of the block if still up."""
    server = Gunicorn(env, cwd, log_path, workers).start()
    try:
        yield server
    finally:
        server.kill()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb + pg_ctl), which it may stop and restart.

    Never the machine's shared cluster. When running as root, the server runs as the
    `postgres` system user (initdb refuses root).
    """

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="adg-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.logfile = self.base / "server.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        self.base.chmod(0o755)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)

    def _bin(self, name: str) -> str:
        found = shutil.which(name)
        assert found, f"{name} not found"
        return found

    def init(self) -> PrivatePostgres:
        """Create the cluster."""
        if self.user:
            shutil.chown(self.base, user=self.user)
        self._run(
            self._bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        return self

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self._run(
            self._bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop (fast: disconnect every client at once)."""
        self._run(self._bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def admin_url(self) -> str:
        """Superuser URL."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def cleanup(self) -> None:
        """Stop if running and remove the files."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of text that is a JSON object."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return out
