"""Shared helpers: a PostgreSQL per benchmark (copied from a migrated template), apps, workers."""

from __future__ import annotations

import atexit
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADMIN_URLS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "postgresql+psycopg://root@127.0.0.1:5432/postgres",
)
TEMPLATE = f"adg_bench_template_{os.getpid()}"
_WORK = Path(tempfile.mkdtemp(prefix="adg-bench-"))
if not os.environ.get("BENCH_KEEP_LOGS"):  # BENCH_KEEP_LOGS=1 keeps worker logs for a post-mortem
    atexit.register(shutil.rmtree, _WORK, True)


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the JSON."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def conninfo(url: str) -> str:
    """A libpq conninfo for a SQLAlchemy URL."""
    return str(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(conninfo(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


_admin_url: str | None = None
_pgserver: Any = None


def admin_url() -> str:
    """A superuser URL: BENCH_DATABASE_URL, TEST_DATABASE_URL, local 5432, else a pgserver."""
    global _admin_url, _pgserver
    if _admin_url:
        return _admin_url
    candidates = [
        os.environ[k] for k in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL") if os.environ.get(k)
    ]
    for url in [*candidates, *DEFAULT_ADMIN_URLS]:
        if _reachable(url):
            _admin_url = url
            return url
    import pgserver  # a private server, as tests/conftest.py does

    _pgserver = pgserver.get_server(_WORK / "pgdata", cleanup_mode="stop")
    _admin_url = _pgserver.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    return _admin_url


def url_for(database: str) -> str:
    """The URL of one database on the benchmark server."""
    return str(make_url(admin_url()).set(database=database).render_as_string(hide_password=False))


def admin() -> psycopg.Connection[Any]:
    """An autocommit superuser connection."""
    return psycopg.connect(conninfo(admin_url()), autocommit=True)


def base_config(url: str) -> dict[str, Any]:
    """App settings for the benchmark process itself (it never runs a worker)."""
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(_WORK / "instance"),
        "WORKER_ENABLED": False,
        "GENERATOR_PROVIDER": "local",
    }


def make_app(url: str, **overrides: Any) -> Any:
    """A Flask app on `url` for submitting and inspecting."""
    from avatar_data_generator import create_app

    return create_app(base_config(url) | overrides)


_template_ready = False


def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    with admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    from flask_migrate import upgrade

    app = make_app(url_for(TEMPLATE))
    with app.app_context():
        upgrade()
        from avatar_data_generator.db import db

        db.engine.dispose()
    _template_ready = True
    atexit.register(drop_template)  # also when a module runs alone (python -m benchmarks.bench_x)


@contextlib.contextmanager
def fresh_database(label: str) -> Iterator[str]:
    """A fresh migrated database for one measurement, dropped afterwards."""
    _ensure_template()
    name = f"adg_bench_{label}_{uuid.uuid4().hex[:8]}"
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    try:
        yield url_for(name)
    finally:
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_template() -> None:
    """Remove the template database (end of run)."""
    global _template_ready
    if _admin_url is None:
        return
    with admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    _template_ready = False
    if _pgserver is not None:
        _pgserver.cleanup()


def console_script() -> str:
    """The installed `avatar-data-generator` next to this interpreter."""
    return str(Path(sys.executable).with_name("avatar-data-generator"))


def worker_env(url: str, **extra: Any) -> dict[str, str]:
    """Environment for a real worker subprocess (no stray provider settings from the shell)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLOWISE_", "OPENAI_", "WORKER_", "MULTITHREAD_", "PERSONAS_"))
    }
    env.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(_WORK / "instance"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "GENERATOR_PROVIDER": "local",
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def log_file(label: str) -> Any:
    """A file in the scratch directory for a subprocess's output (pipes would fill and block)."""
    return open(_WORK / f"{label}-{uuid.uuid4().hex[:6]}.log", "w+")


@contextlib.contextmanager
def processes(
    commands: list[list[str]], env: dict[str, str], label: str
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start subprocesses; SIGTERM then kill them at the end of the block."""
    procs = []
    for i, cmd in enumerate(commands):
        out = log_file(f"{label}{i}")
        procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))
    try:
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def wait_until(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    """Poll until true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def sql_scalar(url: str, statement: str, params: tuple[Any, ...] = ()) -> Any:
    """One value from a query on `url`."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        row = conn.execute(statement, params).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None


def wait_for_listener(url: str, timeout: float = 30.0, count: int = 1) -> bool:
    """Whether `count` workers' LISTEN connections are up (pg_stat_activity shows them)."""
    db = make_url(url).database
    return wait_until(
        lambda: (
            (
                sql_scalar(
                    url,
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND query ILIKE 'LISTEN%%'",
                    (db,),
                )
                or 0
            )
            >= count
        ),
        timeout,
        0.1,
    )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)


def machine_info() -> dict[str, Any]:
    """Cores, memory, Python and PostgreSQL versions."""
    import psutil

    info: dict[str, Any] = {
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
    }
    try:
        with admin() as conn:
            info["postgres"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    except Exception as exc:  # pragma: no cover - reported, not fatal
        info["postgres"] = f"unknown ({exc})"
    return info
