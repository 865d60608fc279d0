"""`export`: stream a task's personas as CSV, JSON, JSONL or Parquet to a file or standard
output."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from avatar_data_generator import exports, tasks
from avatar_data_generator.cli.errors import fail, friendly_errors
from avatar_data_generator.cli.progress import Progress
from avatar_data_generator.models import GenerationTask


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
    progress = Progress(task.generated, "export") if output else None
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
    progress = Progress(task.generated, "export") if output else None
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
