"""Shared fixtures: a real PostgreSQL (never skipped), per-test databases from a migrated template.

PostgreSQL comes from TEST_DATABASE_URL, else 127.0.0.1:5432, else a private server started
with the `pgserver` package (TEST_PG_PRIVATE=1 goes straight to the private one). Each test
gets a fresh database copied from a template that was migrated once per session.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.engine import make_url

from avatar_data_generator import create_app

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DB = f"adg_template_{os.getpid()}"
DEFAULT_URLS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "postgresql+psycopg://root@127.0.0.1:5432/postgres",
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test a stale compiled generator: its extension modules would hide the edits."""
    from tools.compile_generation import stale

    old = stale()
    if old:
        pytest.exit(f"compiled modules older than their sources (run `make compiled`): {old}", 2)


def _admin_conninfo(url: str) -> str:
    return str(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(_admin_conninfo(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A superuser URL of a reachable PostgreSQL; starts a private one if none answers."""
    candidates = [os.environ["TEST_DATABASE_URL"]] if os.environ.get("TEST_DATABASE_URL") else []
    # TEST_PG_PRIVATE=1 skips any server already running and starts a private one.
    urls = [] if os.environ.get("TEST_PG_PRIVATE") else [*candidates, *DEFAULT_URLS]
    for url in urls:
        if _reachable(url):
            yield url
            return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    uri = server.get_uri()
    url = uri.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield url
    finally:
        server.cleanup()


def _url_for(admin_url: str, database: str) -> str:
    return str(make_url(admin_url).set(database=database).render_as_string(hide_password=False))


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(_admin_conninfo(admin_url), autocommit=True)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    """A database migrated once; tests copy it."""
    with _admin(pg_admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    url = _url_for(pg_admin_url, TEMPLATE_DB)
    migrate(url)
    try:
        yield TEMPLATE_DB
    finally:
        with _admin(pg_admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')


def migrate(url: str, instance: Path | None = None) -> None:
    """Apply every migration to a database."""
    from flask_migrate import upgrade

    config: dict[str, Any] = {"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"}
    if instance is not None:
        config["INSTANCE_PATH"] = str(instance)
    app = create_app(config)
    with app.app_context():
        upgrade()
        from avatar_data_generator.db import db

        db.engine.dispose()


@pytest.fixture
def pg_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database for one test."""
    name = f"adg_test_{uuid.uuid4().hex[:12]}"
    with _admin(pg_admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    try:
        yield _url_for(pg_admin_url, name)
    finally:
        with _admin(pg_admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh migrated SQLite database for one test."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate(url, tmp_path / "instance")
    return url


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    """Build apps on a given database with test settings; engines are disposed afterwards."""
    apps: list[Flask] = []

    def factory(url: str, **overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
            "RETRY_BASE_SECONDS": 0.05,
            "RETRY_MAX_SECONDS": 0.5,
        }
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        from avatar_data_generator.workers.runtime import runtime_for

        runtime = runtime_for(app)
        if runtime is not None:
            runtime.shutdown(2.0)
        with app.app_context():
            from avatar_data_generator.db import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_url(request: pytest.FixtureRequest) -> str:
    """Run a test on both dialects."""
    name = "pg_url" if request.param == "postgresql" else "sqlite_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def app(make_app: AppFactory, pg_url: str) -> Flask:
    """The app on a fresh PostgreSQL database."""
    return make_app(pg_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for `app`."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for `app`."""
    return app.test_cli_runner()


@pytest.fixture
def flowise() -> Iterator[Any]:
    """A Flowise stand-in running as a real HTTP server on loopback."""
    from tests.standins.flowise import FlowiseStandIn

    standin = FlowiseStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()


def cli_env(url: str, **extra: Any) -> dict[str, str]:
    """Environment for running the real console script against a database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWISE_", "OPENAI_"))}
    env.update({"DATABASE_URL": url, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def console_script() -> str:
    """The installed `avatar-data-generator` next to this interpreter."""
    return str(Path(sys.executable).with_name("avatar-data-generator"))


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> Any:
    """Run the console script for real and return the completed process."""
    return subprocess.run(
        [console_script(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class WorkerProcess(subprocess.Popen[str]):
    """A worker subprocess whose output goes to a file, so a chatty worker never blocks on a
    full pipe while the test waits for another one; `communicate` returns that file's text."""

    log_path: Path

    def communicate(  # type: ignore[override]
        self, input: str | None = None, timeout: float | None = None
    ) -> tuple[str, None]:
        self.wait(timeout)
        return self.log_path.read_text(errors="replace"), None


@contextlib.contextmanager
def worker_processes(
    n: int, env: dict[str, str], cwd: Path, args: list[str] | None = None
) -> Iterator[list[WorkerProcess]]:
    """Start n real `worker` processes; they are killed at the end of the block."""
    procs = []
    for _ in range(n):
        log_path = cwd / f"worker-{uuid.uuid4().hex[:8]}.log"
        with log_path.open("w") as log_file:
            proc = WorkerProcess(
                [console_script(), "worker", *(args or [])],
                env=env,
                cwd=cwd,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                text=True,
            )
        proc.log_path = log_path
        procs.append(proc)
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
