"""Stream a task's personas as CSV, JSON, JSONL (`csv_json`) or Parquet (`parquet`), with constant
memory whatever the task's size.

CSV cells that a spreadsheet would run as a formula are neutralised with a leading `'`; JSON,
JSONL and Parquet keep every value verbatim. Each carries the provenance and the task's tokens
and cost: CSV in its last columns, JSONL in each line's `provenance`, JSON in its `task` header,
Parquet in the file's key-value metadata.
"""

from __future__ import annotations

from collections.abc import Iterator

from avatar_data_generator.exports import parquet
from avatar_data_generator.exports.csv_json import (
    CSV_COLUMNS,
    FORMULA_STARTS,
    TEXT_FORMATS,
    provenance_of,
    safe_cell,
    text_chunks,
)
from avatar_data_generator.exports.parquet import ParquetUnavailable
from avatar_data_generator.models import GenerationTask

FORMATS = (*TEXT_FORMATS, "parquet")
#: Formats written as bytes rather than text.
BINARY_FORMATS = ("parquet",)
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "parquet": parquet.MEDIA_TYPE,
}

__all__ = [
    "BINARY_FORMATS",
    "CSV_COLUMNS",
    "FORMATS",
    "FORMULA_STARTS",
    "MEDIA_TYPES",
    "TEXT_FORMATS",
    "ParquetUnavailable",
    "export_bytes",
    "export_chunks",
    "provenance_of",
    "safe_cell",
]


def export_chunks(task: GenerationTask, fmt: str) -> Iterator[str]:
    """Text chunks of a CSV, JSON or JSONL export; each holds many rows so writes stay few."""
    return text_chunks(task, fmt)


def export_bytes(task: GenerationTask, fmt: str) -> Iterator[bytes]:
    """The export in any format as bytes (UTF-8 for the text ones).

    ParquetUnavailable at once (not mid-stream) when Parquet is asked for without pyarrow.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        parquet.require()
        return parquet.parquet_chunks(task)
    return (chunk.encode("utf-8") for chunk in text_chunks(task, fmt))
