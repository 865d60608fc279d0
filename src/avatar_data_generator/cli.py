"""The `avatar-data-generator` command line: a Flask CLI group."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from avatar_data_generator import accounts, exports, queue, tasks
from avatar_data_generator.db import db

log = logging.getLogger("avatar_data_generator")

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    """One clear sentence and a non-zero exit, never a traceback."""
    raise click.ClickException(message)


def friendly_errors(func: F) -> F:
    """Turn known errors (and a database that does not answer) into one-line messages."""
    import functools

    from sqlalchemy.exc import OperationalError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except tasks.TaskNotFound as exc:
            _fail(str(exc))
        except tasks.TaskInputError as exc:
            _fail(exc.message)
        except tasks.TaskStateError as exc:
            _fail(str(exc))
        except accounts.AccountError as exc:
            _fail(str(exc))
        except OperationalError as exc:
            _fail(
                f"the database did not answer ({str(exc.orig).strip().splitlines()[0]}); "
                "check DATABASE_URL and run 'avatar-data-generator db upgrade'"
            )

    return wrapper  # type: ignore[return-value]


def _print_task(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(
        f"task {data['task_id']}: {data['status']}, "
        f"{data['generated']}/{data['requested']} personas, "
        f"{data['batches_done']}/{data['batches_total']} batches, provider {data['provider']}"
    )
    if data.get("error"):
        click.echo(f"error: {data['error']}")


class _Progress:
    """A live bar (done of asked, rate, time left) on a terminal; plain lines when piped."""

    def __init__(self, total: int, label: str) -> None:
        self.total = max(total, 1)
        self.label = label
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_line = ""

    def update(self, done: int, status: str = "") -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 and done < self.total else 0.0
        if self.tty:
            width = 30
            filled = int(width * min(done, self.total) / self.total)
            bar = "#" * filled + "-" * (width - filled)
            line = (
                f"\r{self.label} [{bar}] {done}/{self.total} {rate:,.1f}/s "
                f"ETA {left:,.0f}s {status}"
            )
            click.echo(line.ljust(len(self.last_line)), nl=False, err=True)
            self.last_line = line
        else:
            line = f"{self.label}: {done}/{self.total} {status}".rstrip()
            if line != self.last_line:
                click.echo(line, err=True)
                self.last_line = line

    def close(self) -> None:
        if self.tty:
            click.echo("", err=True)


def _shutdown_and_exit(runtime: Any, graceful: float) -> None:
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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Serve pages and API only.")
@with_appcontext
def serve_command(host: str, port: int, no_worker: bool) -> None:
    """Run the web app with its in-process worker."""
    from werkzeug.serving import make_server

    from avatar_data_generator.scheduler import start_worker

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
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


@click.command("worker")
@click.option("--once", is_flag=True, help="Process one task, then exit.")
@click.option("--burst", is_flag=True, help="Work until nothing is left to do, then exit.")
@with_appcontext
@friendly_errors
def worker_command(once: bool, burst: bool) -> None:
    """Run a standalone worker: one task, until the queue is empty, or forever."""
    from avatar_data_generator.scheduler import start_worker
    from avatar_data_generator.workers.task_processor import process_single_task

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    graceful = float(app.config["GRACEFUL_TIMEOUT"])
    if once:
        from avatar_data_generator.workers.runner import Worker

        worker = Worker(app)
        _stop_on_signals(worker.stopping.set)
        done = process_single_task(app, worker)
        worker.release_all()
        worker.stop()
        click.echo("processed one task" if done else "no task waiting")
        return
    app.config["WORKER_ENABLED"] = True
    runtime = start_worker(app)
    if runtime is None:
        _fail("the worker could not start (is WORKER_ENABLED false?)")
        return
    stopping = threading.Event()
    _stop_on_signals(stopping.set)
    try:
        while not stopping.wait(0.2):
            if burst and runtime.dispatcher.busy() == 0:
                with db.engine.connect() as conn:
                    if queue.unfinished_work(conn) == 0:
                        break
    finally:
        _shutdown_and_exit(runtime, graceful)


@click.command("submit")
@click.option("--count", required=True, help="How many personas.")
@click.option("--batch-size", default=None, help="Personas per provider call.")
@click.option("--provider", default=None, help="local, flowise or openai.")
@click.option("--locale", default=None)
@click.option("--seed", default=None, help="Make the task reproducible.")
@click.option(
    "--bio-settings", "bio_settings", default=None, help="Bio settings as JSON, or @file.json."
)
@click.option("--wait", is_flag=True, help="Block until the task ends.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def submit_command(
    count: str,
    batch_size: str | None,
    provider: str | None,
    locale: str | None,
    seed: str | None,
    bio_settings: str | None,
    wait: bool,
    as_json: bool,
) -> None:
    """Create a task."""
    settings = None
    if bio_settings:
        try:
            raw = (
                Path(bio_settings[1:]).read_text() if bio_settings.startswith("@") else bio_settings
            )
            settings = json.loads(raw)
        except (OSError, ValueError) as exc:
            _fail(f"--bio-settings is not valid JSON: {exc}")
    task, _ = tasks.create_task(
        count=count,
        batch_size=batch_size,
        provider=provider,
        locale=locale,
        seed=seed,
        bio_settings=settings,
    )
    if wait:
        progress = _Progress(task.requested, f"task {task.task_id[:8]}")
        while True:
            db.session.rollback()
            task = tasks.get_task(task.task_id)
            progress.update(task.generated, task.status)
            if task.status in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.3)
        progress.close()
    _print_task(tasks.task_to_dict(task), as_json)
    if wait and task.status != "completed":
        sys.exit(1)


@click.command("status")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def status_command(task_id: str, as_json: bool) -> None:
    """Show one task."""
    _print_task(tasks.task_to_dict(tasks.get_task(task_id)), as_json)


@click.command("export")
@click.argument("task_id")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@with_appcontext
@friendly_errors
def export_command(task_id: str, fmt: str, output: str | None) -> None:
    """Stream a task's personas to a file or standard output."""
    task = tasks.get_task(task_id)
    progress = _Progress(task.generated, "export") if output else None
    stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    written = 0
    try:
        for chunk in exports.export_chunks(task, fmt):
            stream.write(chunk)
            if progress is not None:
                written += chunk.count("\n") if fmt != "json" else 1
                progress.update(min(written, task.generated))
    finally:
        if output:
            stream.close()
    if progress is not None:
        progress.update(task.generated, "done")
        progress.close()


@click.command("cancel")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def cancel_command(task_id: str, as_json: bool) -> None:
    """Stop handing out a task's batches."""
    _print_task(tasks.task_to_dict(tasks.cancel_task(task_id)), as_json)


@click.command("retry")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def retry_command(task_id: str, as_json: bool) -> None:
    """Generate only what a failed or cancelled task is missing."""
    _print_task(tasks.task_to_dict(tasks.retry_task(task_id)), as_json)


@click.command("stats")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def stats_command(as_json: bool) -> None:
    """The seed's health figures."""
    with db.engine.connect() as conn:
        figures = queue.health_stats(conn)
    if as_json:
        click.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        click.echo(f"{key}: {value}")


@click.command("create-user")
@click.argument("username")
@click.option("--password", default=None, help="Prompted for when omitted.")
@click.option("--admin", is_flag=True)
@with_appcontext
@friendly_errors
def create_user_command(username: str, password: str | None, admin: bool) -> None:
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts.create_user(username, password, is_admin=admin)
    click.echo(f"created user {username}")


@click.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Prompted for when omitted.")
@with_appcontext
@friendly_errors
def set_password_command(username: str, password: str | None) -> None:
    """Change a user's password (e.g. the first-run admin's); their sessions end."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    accounts.set_password(username, password)
    click.echo(f"password changed for {username}; every session of theirs is logged out")


@click.command("end-sessions")
@click.argument("username")
@with_appcontext
@friendly_errors
def end_sessions_command(username: str) -> None:
    """Log a user out everywhere (sessions and remember-me; API tokens stay)."""
    accounts.end_sessions_of(username)
    click.echo(f"every session of {username} is logged out")


@click.command("set-admin")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Make the user a member again.")
@with_appcontext
@friendly_errors
def set_admin_command(username: str, revoke: bool) -> None:
    """Make a user an admin (or, with --revoke, not; the last admin stays one)."""
    user = accounts.set_admin(accounts.user_id_of(username), not revoke)
    click.echo(f"{user.username} is {'an admin' if user.is_admin else 'a member'}")


@click.command("list-users")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def list_users_command(as_json: bool) -> None:
    """Every account: admin or not, created, last login."""
    rows = [
        {
            "username": user.username,
            "is_admin": user.is_admin,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        }
        for user in accounts.list_users()
    ]
    if as_json:
        click.echo(json.dumps({"users": rows}))
        return
    for row in rows:
        role = "admin" if row["is_admin"] else "member"
        click.echo(f"{row['username']}\t{role}\tlast login {row['last_login_at'] or 'never'}")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token.")
@with_appcontext
@friendly_errors
def create_token_command(username: str, name: str) -> None:
    """Issue an API token; it is printed alone on the last line, once."""
    token = accounts.create_token(username, name)
    click.echo(f"token for {username} (store it now; it is not shown again):")
    click.echo(token)


@click.command("revoke-tokens")
@click.argument("username")
@with_appcontext
@friendly_errors
def revoke_tokens_command(username: str) -> None:
    """Revoke every API token of a user."""
    click.echo(f"revoked {accounts.revoke_tokens(username)} token(s)")


COMMANDS = [
    serve_command,
    worker_command,
    submit_command,
    status_command,
    export_command,
    cancel_command,
    retry_command,
    stats_command,
    create_user_command,
    set_password_command,
    create_token_command,
    revoke_tokens_command,
    end_sessions_command,
    set_admin_command,
    list_users_command,
]


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group."""
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from avatar_data_generator import create_app

    return create_app()


def main() -> None:
    """Console script entry point."""
    cli = FlaskGroup(
        create_app=_create_app,
        add_default_commands=False,
        load_dotenv=False,
        help="Generate synthetic personas in bulk.",
    )
    cli.main(prog_name="avatar-data-generator")
