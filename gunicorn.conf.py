"""gunicorn settings for avatar-data-generator; every knob comes from the environment.

    gunicorn -c gunicorn.conf.py avatar_data_generator.wsgi:app

- Each gunicorn worker runs its own in-process queue worker, started after fork in
  `post_worker_init` (never in the master, also with `--preload`); the engine is disposed
  after fork so no two processes share a socket.
- SIGTERM (systemd stop, `kill -TERM <master>`): the master forwards it to every worker; each
  stops claiming, lets its running batches finish within GRACEFUL_TIMEOUT and gives back the
  leases of the rest, so another process resumes them at once. gunicorn's own graceful
  timeout is GRACEFUL_TIMEOUT + 10 s so it never kills a worker that is still finishing;
  the systemd unit's TimeoutStopSec is longer again.
- SIGINT/SIGQUIT (quick shutdown): leases are released at once, nothing waits.
- Prometheus multiprocess mode: PROMETHEUS_MULTIPROC_DIR is set here, before the app is
  imported, wiped at start-up, and dead workers are marked in `child_exit`.

Connections per worker process: the pool (DB_POOL_SIZE, default 3, or 2 when
FLOWISE_MAX_CONCURRENCY > 0) + 1 LISTEN + 1 slot connection when capped = 4. So
hosts x GUNICORN_WORKERS x 4 must stay below max_connections - 3 (reserved):
3 x 8 x 4 = 96 <= 97. See docs/operations.md.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


# --- serving ------------------------------------------------------------------------------
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
threads = _int("GUNICORN_THREADS", 4)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# The queue worker's grace (in-flight batches may finish within it), and gunicorn's, a bit longer.
GRACEFUL_TIMEOUT = _float("GRACEFUL_TIMEOUT", 30.0)
graceful_timeout = int(GRACEFUL_TIMEOUT + 10)
timeout = _int("GUNICORN_TIMEOUT", max(60, int(GRACEFUL_TIMEOUT) + 15))
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
preload_app = os.environ.get("GUNICORN_PRELOAD", "").strip().lower() in {"1", "true", "yes", "on"}
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "avatar-data-generator"
# gunicorn >= 25's control socket defaults to one path per user, which several instances on one
# host (or a unit with ProtectHome=) would fight over; opt in with GUNICORN_CONTROL_SOCKET=path.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
# Trust X-Forwarded-* only from the local reverse proxy unless told otherwise.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The app reads these (health's provider-load fallback, the CLI's shutdown grace).
os.environ["GUNICORN_WORKERS"] = str(workers)
os.environ.setdefault("GRACEFUL_TIMEOUT", f"{GRACEFUL_TIMEOUT:g}")

# --- Prometheus multiprocess mode: must be set before prometheus_client is imported ----------
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
    tempfile.gettempdir(), f"avatar-data-generator-metrics-{os.getpid()}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
os.makedirs(_metrics_dir, exist_ok=True)

log = logging.getLogger("avatar_data_generator.gunicorn")


def _flask_app(worker: Any) -> Any:
    """The Flask app a worker serves (gunicorn may hand back a wrapped callable)."""
    app = getattr(worker, "wsgi", None)
    while app is not None and not hasattr(app, "extensions"):
        app = getattr(app, "app", None) or getattr(app, "__wrapped__", None)
    return app


def on_starting(server: Any) -> None:
    """Master, before anything forks: start from an empty metrics directory."""
    for name in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def post_fork(server: Any, worker: Any) -> None:
    """Child, right after fork: with --preload, drop the engine's inherited connections."""
    if server.cfg.preload_app:
        app = getattr(server.app, "callable", None)
        app = app if hasattr(app, "extensions") else None
        if app is not None:
            from avatar_data_generator.db import db

            with app.app_context():
                db.engine.dispose(close=False)


def post_worker_init(worker: Any) -> None:
    """Child, app loaded: dispose the engine once more and start this process's queue worker."""
    app = _flask_app(worker)
    if app is None:
        worker.log.warning("avatar-data-generator: no Flask app found; queue worker not started")
        return
    from avatar_data_generator.db import db
    from avatar_data_generator.workers.runtime import start_worker

    with app.app_context():
        db.engine.dispose(close=False)
    runtime = start_worker(app)
    logging.getLogger("avatar_data_generator").info(
        "[STARTUP] Avatar Data Generator application initialized successfully"
        " (gunicorn worker pid %s, queue worker %s)",
        os.getpid(),
        "running" if runtime is not None else "off",
    )


def _shutdown(worker: Any, grace: float) -> None:
    app = _flask_app(worker)
    if app is None:
        return
    from avatar_data_generator.workers.runtime import runtime_for

    runtime = runtime_for(app)
    if runtime is not None:
        runtime.shutdown(grace)


def worker_int(worker: Any) -> None:
    """SIGINT/SIGQUIT in a worker (quick shutdown): give every lease back now."""
    _shutdown(worker, 0.0)


def worker_abort(worker: Any) -> None:
    """SIGABRT (the worker timed out): give every lease back now."""
    _shutdown(worker, 0.0)


def worker_exit(server: Any, worker: Any) -> None:
    """The worker is leaving (SIGTERM, max_requests): finish or release in-flight batches."""
    if worker.pid != os.getpid():
        return  # called in the master for a worker that is already gone
    _shutdown(worker, GRACEFUL_TIMEOUT)


def child_exit(server: Any, worker: Any) -> None:
    """Master: a worker died; its live gauges (calls in flight) stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _metrics_dir)


def on_exit(server: Any) -> None:
    """Master, at the very end: remove the metrics directory if this config made it up."""
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
