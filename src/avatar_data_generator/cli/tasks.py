"""Task commands: submit (with a live progress bar), status, cancel, retry, stats (export:
`cli/exports.py`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from avatar_data_generator import estimates, queue, tasks
from avatar_data_generator.cli.errors import fail, friendly_errors
from avatar_data_generator.cli.progress import Progress
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
    progress = Progress(task.requested, f"task {task.task_id[:8]}")
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
