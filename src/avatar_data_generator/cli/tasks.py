"""Task commands: submit (with a live progress bar), status, export, cancel, retry, stats."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from avatar_data_generator import estimates, exports, queue, tasks
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
    usage = _usage(data)
    if usage:
        click.echo(usage)
    if data.get("error"):
        click.echo(f"error: {data['error']}")


def _usage(data: dict[str, Any]) -> str:
    """ "tokens 1,200 in, 500 out; cost $0.0123; 3 of 40 provider calls failed" ('' if none)."""
    parts = []
    if data.get("tokens_in") is not None or data.get("tokens_out") is not None:
        tokens_in, tokens_out = data.get("tokens_in") or 0, data.get("tokens_out") or 0
        parts.append(f"tokens {tokens_in:,} in, {tokens_out:,} out")
    elif data.get("tokens_used"):
        parts.append(f"tokens {data['tokens_used']:,}")
    if data.get("cost") is not None:
        parts.append(f"cost {estimates.money(data['cost'], data.get('currency') or 'USD')}")
    if data.get("provider_errors"):
        failed, calls = data["provider_errors"], data.get("provider_calls") or 0
        parts.append(f"{failed:,} of {calls:,} provider calls failed")
    return "; ".join(parts)


def _print_estimate(answer: dict[str, Any], as_json: bool) -> None:
    """A dry run: the estimate as JSON, or as two lines."""
    if as_json:
        click.echo(json.dumps(answer))
        return
    task, estimate = answer["task"], answer["estimate"]
    tokens = estimate["tokens"]
    words = [f"≈ {estimate['calls']:,} provider calls"]
    if tokens["in"] is not None:
        total = tokens["in"] + tokens["out"]
        words.append(f"≈ {total:,} tokens ({tokens['in']:,} in, {tokens['out']:,} out)")
    if estimate["cost"] is not None:
        words.append(f"≈ {estimates.money(estimate['cost'], estimate['currency'])}")
    click.echo(
        f"dry run: {task['requested']:,} personas with {task['provider']}"
        f" in {task['batches_total']:,} batches: " + ", ".join(words)
    )
    click.echo(f"basis: {estimate['basis']}")


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


def _with_countries(settings: Any, countries: tuple[str, ...]) -> Any:
    """`--country` given: the bio settings with those countries (the settings' own replaced)."""
    if not countries:
        return settings
    if settings is not None and not isinstance(settings, dict):
        fail("--bio-settings must be a JSON object to add --country to it")
    return {**(settings or {}), "countries": list(countries)}


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
@click.option(
    "--country",
    "countries",
    multiple=True,
    help="Where the personas come from (repeat it; code or name; see `countries`).",
)
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
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only estimate calls, tokens and cost from recent tasks; create nothing.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@friendly_errors
def submit_command(
    count: str,
    batch_size: str | None,
    provider: str | None,
    locale: str | None,
    countries: tuple[str, ...],
    seed: str | None,
    bio_settings: str | None,
    facts: str | None,
    wait: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Create a task (or, with --dry-run, estimate it)."""
    request = {
        "count": count,
        "batch_size": batch_size,
        "provider": provider,
        "locale": locale,
        "seed": seed,
        "bio_settings": _with_countries(_read_bio_settings(bio_settings), countries),
        "facts": facts,
    }
    if dry_run:
        _print_estimate(estimates.dry_run(**request), as_json)
        return
    task, _ = tasks.create_task(**request)
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
    """Stream a task's personas to a file or standard output (Parquet is binary)."""
    task = tasks.get_task(task_id)
    if fmt in exports.BINARY_FORMATS:
        _export_binary(task, fmt, output)
        return
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


def _export_binary(task: GenerationTask, fmt: str, output: str | None) -> None:
    """A Parquet file to `output`, or to standard output when it is not a terminal."""
    if output is None and sys.stdout.isatty():
        fail(f"{fmt} is binary: write it to a file with -o FILE, or redirect standard output")
    try:
        chunks = exports.export_bytes(task, fmt)
    except exports.ParquetUnavailable as exc:
        fail(str(exc))
    progress = _Progress(task.generated, "export") if output else None
    stream = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
    groups = 0
    try:
        for chunk in chunks:
            stream.write(chunk)
            groups += 1
            if progress is not None:
                progress.show(min(groups * exports.parquet.ROW_GROUP, task.generated))
    finally:
        if output:
            stream.close()
        else:
            stream.flush()
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
