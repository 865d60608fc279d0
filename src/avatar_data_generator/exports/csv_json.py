"""A task's personas as CSV, JSON or JSONL text, streamed with constant memory.

CSV cells that a spreadsheet would run as a formula are neutralised with a leading `'`; JSON
and JSONL keep every value verbatim. Every format carries where the data came from and what it
cost: CSV in its last columns, JSONL in each line's `provenance`, JSON in its `task` header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.generation.persona_schema import PERSONA_FIELDS
from avatar_data_generator.models import GenerationTask
from avatar_data_generator.prices import currency_for
from avatar_data_generator.tasks import iter_personas, task_to_dict

TEXT_FORMATS = ("csv", "json", "jsonl")

# The persona's fields in the contract's order, with the age beside the birth date and one
# column per platform's bio, then the avatar and where the data came from.
_CSV_EXPANDED = {
    "date_of_birth": ("date_of_birth", "age"),
    "bios": tuple(f"bio_{p}" for p in PLATFORM_LIMITS),
}
CSV_COLUMNS = [
    "id",
    *(column for field in PERSONA_FIELDS for column in _CSV_EXPANDED.get(field, (field,))),
    "avatar_style",
    "avatar_seed",
    "avatar_url",
    "synthetic",
    "task_id",
    "provider",
    "model",
    "prompt_version",
    # The task's totals so far (the same on every row): tokens in and out and their cost.
    "task_tokens_in",
    "task_tokens_out",
    "task_cost",
    "task_currency",
]


#: A cell a spreadsheet would run as a formula starts with one of these (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that could start a formula gets a leading `'` (spreadsheets show it as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_row(p: dict[str, Any], provenance: dict[str, Any]) -> list[Any]:
    return [safe_cell(value) for value in _csv_values(p, provenance)]


def _csv_values(p: dict[str, Any], provenance: dict[str, Any]) -> list[Any]:
    bios = p.get("bios") or {}
    avatar = p.get("avatar") or {}
    return [
        p.get("id"),
        p.get("first_name"),
        p.get("last_name"),
        p.get("gender"),
        p.get("date_of_birth"),
        p.get("age"),
        p.get("country"),
        p.get("city"),
        p.get("nationality"),
        p.get("occupation"),
        p.get("education"),
        "; ".join(p.get("interests") or []),
        p.get("personality"),
        p.get("username"),
        p.get("email"),
        *[bios.get(platform, "") for platform in PLATFORM_LIMITS],
        avatar.get("style"),
        avatar.get("seed"),
        avatar.get("url"),
        "true" if p.get("synthetic", True) else "false",
        provenance["task_id"],
        provenance["provider"],
        provenance.get("model"),
        provenance.get("prompt_version"),
        provenance.get("tokens_in"),
        provenance.get("tokens_out"),
        provenance.get("cost"),
        provenance.get("currency"),
    ]


def provenance_of(task: GenerationTask) -> dict[str, Any]:
    """Where a task's personas came from and what they cost, as every export carries it."""
    recorded = task.provenance or {}
    return {
        "task_id": task.task_id,
        "provider": task.provider,
        "model": recorded.get("model") or recorded.get("chatflow_id"),
        "prompt_version": recorded.get("prompt_version"),
        "tokens_in": task.tokens_in,
        "tokens_out": task.tokens_out,
        "cost": task.cost,
        "currency": None if task.cost is None else currency_for(task.provider, recorded),
    }


def text_chunks(task: GenerationTask, fmt: str) -> Iterator[str]:
    """Text chunks of the export; each holds many rows so writes stay few."""
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(TEXT_FORMATS)}")
    prov = provenance_of(task)
    personas = iter_personas(task.task_id)
    if fmt == "csv":
        yield from _csv_chunks(personas, prov)
    elif fmt == "jsonl":
        yield from _jsonl_chunks(personas, prov)
    else:
        head = {"task": task_to_dict(task)}
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "personas": ['
        first = True
        for p in personas:
            yield ("" if first else ",") + json.dumps(p, ensure_ascii=False)
            first = False
        yield "]}\n"


def _csv_chunks(personas: Iterator[dict[str, Any]], prov: dict[str, Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for i, p in enumerate(personas, 1):
        writer.writerow(_csv_row(p, prov))
        if i % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_chunks(personas: Iterator[dict[str, Any]], prov: dict[str, Any]) -> Iterator[str]:
    # Each line is a persona plus where it came from, spliced in without re-encoding.
    suffix = ', "provenance": ' + json.dumps(prov, ensure_ascii=False) + "}"
    lines: list[str] = []
    for p in personas:
        lines.append(json.dumps(p, ensure_ascii=False)[:-1] + suffix)
        if len(lines) == 1000:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"
