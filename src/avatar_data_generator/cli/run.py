"""Running the service: `serve` (pages, API and the in-process worker) and `worker`.

Both stop gracefully on SIGTERM and SIGINT: running batches get GRACEFUL_TIMEOUT to finish,
then their leases are handed back.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import make_server

from avatar_data_generator import accounts, queue
from avatar_data_generator.cli.errors import fail, friendly_errors
from avatar_data_generator.db import db
from avatar_data_generator.workers.runner import Worker
from avatar_data_generator.workers.runtime import WorkerRuntime, start_worker
from avatar_data_generator.workers.task_processor import process_single_task

log = logging.getLogger(__name__)


def _shutdown_and_exit(runtime: WorkerRuntime, graceful: float) -> None:
    """Stop the worker; if provider calls outlive the grace, leave without waiting for them.

    Their leases were given back by shutdown, so another worker resumes those batches; waiting
    here would only hold up `systemctl stop` for up to FLOWISE_TIMEOUT.
    """
    runtime.shutdown(graceful)
    abandoned = runtime.dispatcher.busy()
    if abandoned:
        log.warning(
            "Exiting with %d provider call(s) still running; their leases were released", abandoned
        )
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT stop gracefully (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, _frame: Any) -> None:
        log.info("Received %s; stopping gracefully", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _app() -> Flask:
    """The app behind the current context (not the proxy: threads and servers need it)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Serve pages and API only.")
@with_appcontext
def serve_command(host: str, port: int, no_worker: bool) -> None:
    """Run the web app with its in-process worker."""
    app = _app()
    # Bind first: if the port is taken, nothing else (first admin, worker) has happened yet.
    server = make_server(host, port, app, threaded=True)
    first = accounts.ensure_first_admin()
    runtime = None if no_worker else start_worker(app)
    log.info("[STARTUP] Avatar Data Generator application initialized successfully")
    click.echo(f"Serving on http://{host}:{server.server_port}")
    if first:
        click.echo(
            f"First run: log in as '{first[0]}' with password '{first[1]}' (shown once). "
            "Change it with 'avatar-data-generator set-password admin'."
        )

    def stop() -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    _stop_on_signals(stop)
    try:
        server.serve_forever()
    finally:
        if runtime is not None:
            _shutdown_and_exit(runtime, float(app.config["GRACEFUL_TIMEOUT"]))


def _work_once(app: Flask) -> None:
    """Process one task with a worker of its own, then hand back whatever it still holds."""
    worker = Worker(app)
    _stop_on_signals(worker.stopping.set)
    done = process_single_task(app, worker)
    worker.release_all()
    worker.stop()
    click.echo("processed one task" if done else "no task waiting")


def _queue_empty(runtime: WorkerRuntime) -> bool:
    """Nothing running here and nothing left to claim anywhere."""
    if runtime.dispatcher.busy() or runtime.worker.post.pending():
        return False
    with db.engine.connect() as conn:
        return queue.unfinished_work(conn) == 0


@click.command("worker")
@click.option("--once", is_flag=True, help="Process one task, then exit.")
@click.option("--burst", is_flag=True, help="Work until nothing is left to do, then exit.")
@with_appcontext
@friendly_errors
def worker_command(once: bool, burst: bool) -> None:
    """Run a standalone worker: one task, until the queue is empty, or forever."""
    app = _app()
    if once:
        _work_once(app)
        return
    app.config["WORKER_ENABLED"] = True
    runtime = start_worker(app)
    if runtime is None:
        fail("the worker could not start (is WORKER_ENABLED false?)")
    stopping = threading.Event()
    _stop_on_signals(stopping.set)
    try:
        while not stopping.wait(0.2):
            if burst and _queue_empty(runtime):
                break
    finally:
        _shutdown_and_exit(runtime, float(app.config["GRACEFUL_TIMEOUT"]))
