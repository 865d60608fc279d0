"""Task commands: submit (with a live progress bar), status, export, cancel, retry, stats."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from avatar_data_generator import exports, queue, tasks
from avatar_data_generator.cli.errors import fail, friendly_errors
from avatar_data_generator.db import db
from avatar_data_generator.models import GenerationTask, TaskStatus

#: How often `submit --wait` looks at its task.
POLL_SECONDS = 0.3


def _print_task(data: dict[str, Any], as_json: bool) -> None:
    """One task as JSON, or as a line (and its error, if any)."""
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

    def show(self, done: int, status: str = "") -> None:
        """Show `done` (and the status word)."""
        if self.tty:
            self._draw(done, status)
            return
        line = f"{self.label}: {done}/{self.total} {status}".rstrip()
        if line != self.last_line:
            click.echo(line, err=True)
            self.last_line = line

    def _draw(self, done: int, status: str) -> None:
        """Redraw the bar in place."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 and done < self.total else 0.0
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r{self.label} [{bar}] {done}/{self.total} {rate:,.1f}/s ETA {left:,.0f}s {status}"
        click.echo(line.ljust(len(self.last_line)), nl=False, err=True)
        self.last_line = line

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            click.echo("", err=True)


def _read_bio_settings(value: str | None) -> Any:
    """`--bio-settings`: JSON, or @file.json holding it (None when not given)."""
    if not value:
        return None
    try:
        return json.loads(Path(value[1:]).read_bytes() if value.startswith("@") else value)
    except (OSError, ValueError) as exc:
        fail(f"--bio-settings is not valid JSON: {exc}")


def _wait(task: GenerationTask) -> GenerationTask:
    """Follow a task with a progress bar until it ends."""
    progress = _Progress(task.requested, f"task {task.task_id[:8]}")
    while True:
        db.session.rollback()
        task = tasks.get_task(task.task_id)
        progress.show(task.generated, task.status)
        if task.status in TaskStatus.finished():
            break
        time.sleep(POLL_SECONDS)
    progress.close()
    return task


@click.command("submit")
@click.option("--count", required=True, help="How many personas.")
@click.option("--batch-size", default=None, help="Personas per provider call.")
@click.option("--provider", default=None, help="local, flowise or openai.")
@click.option("--locale", default=None)
@click.option("--seed", default=None, help="Make the task reproducible.")
@click.option(
    "--bio-settings", "bio_settings", default=None, help="Bio settings as JSON, or @file.json."
)
@click.option(
    "--facts",
    default=None,
    help="sampled (the default: the sampler draws the facts, the model writes the prose) or model.",
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
    facts: str | None,
    wait: bool,
    as_json: bool,
) -> None:
    """Create a task."""
    task, _ = tasks.create_task(
        count=count,
        batch_size=batch_size,
        provider=provider,
        locale=locale,
        seed=seed,
        bio_settings=_read_bio_settings(bio_settings),
        facts=facts,
    )
    if wait:
        task = _wait(task)
    _print_task(tasks.task_to_dict(task), as_json)
    if wait and task.status != TaskStatus.COMPLETED:
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
                progress.show(min(written, task.generated))
    finally:
        if output:
            stream.close()
    if progress is not None:
        progress.show(task.generated, "done")
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
