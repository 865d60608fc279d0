"""/healthz (no login, JSON): database, this process's worker, queue depth and provider load.

200 from start-up (also when this process runs no worker: it says so and why), 503 only when
the database does not answer. A worker that is not alive or whose heartbeat stopped, or writes
the database refused within the last minute (a full disk, a read-only server), show
`"status": "degraded"` with 200: the web side still serves, and the alert is on the field.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from avatar_data_generator import queue
from avatar_data_generator.db import db, write_failures
from avatar_data_generator.queue import providers as shared
from avatar_data_generator.workers.runtime import runtime_for

bp = Blueprint("health", __name__)


def _iso(value: datetime | float | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC).isoformat()


def _age(value: datetime | float | None) -> float | None:
    if value is None:
        return None
    now = time.time()
    stamp = value if isinstance(value, int | float) else value.timestamp()
    return round(max(0.0, now - stamp), 3)


def worker_report(app: Flask) -> dict[str, Any]:
    """What this process's in-process worker is doing, or why it runs none."""
    from avatar_data_generator.workers.runtime import should_start

    runtime = runtime_for(app)
    if runtime is None:
        ok, why = should_start(app)
        reason = why if not ok else "not started in this process (no serve/worker/gunicorn hook)"
        return {"running": False, "reason": reason}
    worker = runtime.worker
    listener = runtime.listener
    interval = float(app.config.get("WORKER_INTERVAL", 30))
    tick_age = _age(runtime.last_tick)
    return {
        "running": True,
        "alive": runtime.alive(),
        "owner": worker.owner,
        "started_at": _iso(runtime.started_at),
        "last_tick": _iso(runtime.last_tick),
        "seconds_since_tick": tick_age,
        "tick_overdue": tick_age is not None and tick_age > 3 * interval + 5,
        "heartbeat": {
            "healthy": worker.healthy.is_set(),
            "last": _iso(worker.last_heartbeat),
            "seconds_since": _age(worker.last_heartbeat),
        },
        "listener": (
            None
            if listener is None
            else {"connected": listener.connected.is_set(), "reconnects": listener.reconnects}
        ),
        "batches_running": runtime.dispatcher.busy(),
        "threads": runtime.dispatcher.threads,
    }


def provider_load(app: Flask, conn: Any) -> dict[str, Any]:
    """Effective provider load: processes x MULTITHREAD_FLOWISE, or FLOWISE_MAX_CONCURRENCY.

    On PostgreSQL every worker process keeps one LISTEN connection, so counting those in
    pg_stat_activity counts worker processes on every host; elsewhere this host's figure is used.
    """
    per_process = int(app.config.get("MULTITHREAD_FLOWISE", 5))
    cap = int(app.config.get("FLOWISE_MAX_CONCURRENCY", 0) or 0)
    processes: int | None = None
    source = "this process"
    try:
        processes = queue.listening_workers(conn)
        source = "LISTEN connections in pg_stat_activity (all hosts)"
    except Exception:
        processes = None
    if not processes:
        env_workers = os.environ.get("GUNICORN_WORKERS")
        processes = int(env_workers) if env_workers and env_workers.isdigit() else 1
        source = "GUNICORN_WORKERS on this host" if env_workers else "this process"
    uncapped = processes * per_process
    return {
        "processes": processes,
        "processes_source": source,
        "multithread_flowise": per_process,
        "max_concurrency": cap or None,
        "effective": min(uncapped, cap) if cap else uncapped,
        "formula": (
            f"min({processes} x {per_process}, {cap})" if cap else f"{processes} x {per_process}"
        ),
    }


def provider_report(app: Flask, conn: Any) -> dict[str, Any]:
    """Providers paused for everyone ("paused since …, last error …") and their concurrency."""
    runtime = runtime_for(app)
    fresh = 3 * float(app.config.get("LEASE_SECONDS", 60))
    return {
        "paused": [
            {
                "provider": pause.provider,
                "reason": pause.reason,
                "since": _iso(pause.since),
                "until": _iso(pause.until),
                "seconds_left": round(pause.seconds_left, 3),
                "last_error": pause.last_error,
                "message": f"{pause.provider} paused since {_iso(pause.since)}"
                f" ({pause.reason}), last error: {pause.last_error}",
            }
            for pause in shared.pauses(conn)
        ],
        "this_process": runtime.worker.calls.figures() if runtime is not None else {},
        "all_processes": shared.live_limits(conn, fresh),
    }


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Database reachable, this process's worker, queue depth, provider load."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    body: dict[str, Any] = {
        "status": "ok",
        "time": datetime.now(UTC).isoformat(),
        "pid": os.getpid(),
        "worker": worker_report(app),
    }
    started = time.monotonic()
    try:
        with db.engine.connect() as conn:
            queue.ping(conn)
            body["database"] = {
                "reachable": True,
                "dialect": conn.dialect.name,
                "latency_ms": round((time.monotonic() - started) * 1000, 2),
            }
            body["queue"] = {
                "depth": queue.queue_depth(conn),
                "running_batches": queue.running_batches(conn),
            }
            body["provider_load"] = provider_load(app, conn)
            body["providers"] = provider_report(app, conn)
    except Exception as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        body["status"] = "unavailable"
        body["database"] = {
            "reachable": False,
            "error": message[0] if message else type(exc).__name__,
        }
        return jsonify(body), 503
    finally:
        db.session.remove()
    failures = write_failures(app)
    recent = failures.recent()
    body["database"]["writes"] = {
        "refused_last_minute": recent,
        "last_refused_at": _iso(failures.last_at),
        "last_error": failures.last_error,
    }
    if recent:
        body["status"] = "degraded"
    worker = body["worker"]
    if worker.get("running") and (
        not worker.get("alive") or not worker["heartbeat"]["healthy"] or worker["tick_overdue"]
    ):
        body["status"] = "degraded"
    return jsonify(body), 200


def init_app(app: Flask) -> None:
    """Serve /healthz."""
    app.register_blueprint(bp)
