"""A task's personas as a Parquet file, streamed in row groups so memory stays flat.

Rows are gathered ROW_GROUP at a time, written as one row group and handed on as bytes at once;
the footer follows the last one. Columns are typed:

- strings: id, first_name, last_name, gender, country, city, nationality, occupation, education,
  personality, username, email, and the grounded facts region, life_stage, education_level,
  occupation_key, sex, country_code (null when a persona has none), and task_id;
- date_of_birth a date (date32), age an int32, synthetic a boolean;
- interests a list of strings;
- bios a struct of one string per platform (x, instagram, tiktok, linkedin, facebook; null for a
  platform the task did not ask for), avatar a struct {style, seed, url} of strings, big_five a
  struct of the five trait scores as int16 (null for personas without one).

The file's key-value metadata holds JSON: `provenance` (where the data came from: task, provider,
model or chatflow, prompt version, settings, seed, population data version, and the task's
tokens and cost) and `task` (the task as the API shows it, counts and cost included), both in
the Arrow schema too; `rows` (how many were written) is added to the footer at the end.

pyarrow is imported only here and only when a Parquet export runs, so a worker that never
exports does not pay for it.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from avatar_data_generator.exports.csv_json import provenance_of
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.generation.persona_schema import GROUNDED
from avatar_data_generator.generation.population.personality import TRAITS
from avatar_data_generator.models import GenerationTask
from avatar_data_generator.tasks import iter_personas, task_to_dict

#: Personas per row group (about 15 MB of Arrow data while one is gathered).
ROW_GROUP = 10_000
#: Personas turned from Python objects into Arrow data at a time.
CONVERT_EVERY = 1_000
MEDIA_TYPE = "application/vnd.apache.parquet"

#: Plain text columns, in file order around the typed ones.
_HEAD_TEXT = ("id", "first_name", "last_name", "gender")
_MID_TEXT = ("country", "city", "nationality", "occupation", "education")
_TAIL_TEXT = ("personality", "username", "email")
_GROUNDED_TEXT = tuple(name for name in GROUNDED if name != "big_five")  # big_five: a struct
AVATAR_FIELDS = ("style", "seed", "url")


class ParquetUnavailable(RuntimeError):
    """pyarrow is not installed here."""


def available() -> bool:
    """Whether pyarrow can be imported."""
    return importlib.util.find_spec("pyarrow") is not None


def require() -> None:
    """ParquetUnavailable, saying what to install, when pyarrow cannot be imported."""
    if not available():
        _arrow()


def _arrow() -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, or ParquetUnavailable saying what to install."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ParquetUnavailable(
            f"Parquet exports need pyarrow, which is not installed here ({exc}):"
            " pip install pyarrow"
        ) from None
    return pa, pq


def schema() -> Any:
    """The Arrow schema of a persona row."""
    pa, _ = _arrow()
    text = pa.string()
    return pa.schema(
        [
            *[(name, text) for name in _HEAD_TEXT],
            ("date_of_birth", pa.date32()),
            ("age", pa.int32()),
            *[(name, text) for name in _MID_TEXT],
            ("interests", pa.list_(text)),
            *[(name, text) for name in _TAIL_TEXT],
            ("bios", pa.struct([(platform, text) for platform in PLATFORM_LIMITS])),
            ("avatar", pa.struct([(name, text) for name in AVATAR_FIELDS])),
            ("synthetic", pa.bool_()),
            *[(name, text) for name in _GROUNDED_TEXT],
            ("big_five", pa.struct([(trait, pa.int16()) for trait in TRAITS])),
            ("task_id", text),
        ]
    )


# ---------------------------------------------------------------- values


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _whole(value: Any, low: int = -(2**31), high: int = 2**31 - 1) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _texts(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        return None
    return [item if isinstance(item, str) else str(item) for item in value]


def _struct(value: Any, keys: tuple[str, ...]) -> dict[str, str | None] | None:
    if not isinstance(value, dict):
        return None
    return {key: _text(value.get(key)) for key in keys}


def _traits(value: Any) -> dict[str, int | None] | None:
    if not isinstance(value, dict):
        return None
    return {trait: _whole(value.get(trait), -(2**15), 2**15 - 1) for trait in TRAITS}


class _Columns:
    """One row group's values, column by column."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.values: dict[str, list[Any]] = {name: [] for name in names}
        self.rows = 0

    def add(self, p: dict[str, Any], task_id: str) -> None:
        """One persona."""
        v = self.values
        for name in (*_HEAD_TEXT, *_MID_TEXT, *_TAIL_TEXT, *_GROUNDED_TEXT):
            v[name].append(_text(p.get(name)))
        v["date_of_birth"].append(_day(p.get("date_of_birth")))
        v["age"].append(_whole(p.get("age")))
        v["interests"].append(_texts(p.get("interests")))
        v["bios"].append(_struct(p.get("bios"), tuple(PLATFORM_LIMITS)))
        v["avatar"].append(_struct(p.get("avatar"), AVATAR_FIELDS))
        v["synthetic"].append(bool(p.get("synthetic", True)))
        v["big_five"].append(_traits(p.get("big_five")))
        v["task_id"].append(task_id)
        self.rows += 1

    def take(self, pa: Any, arrow_schema: Any) -> Any:
        """The gathered rows as an Arrow record batch; the columns start empty again."""
        batch = pa.RecordBatch.from_pydict(self.values, schema=arrow_schema)
        self.values = {name: [] for name in self.names}
        self.rows = 0
        return batch


class _Sink:
    """A write-only file that hands on what was written since the last look."""

    closed = False

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        chunk = b"".join(self.parts)
        self.parts = []
        return chunk


def metadata(task: GenerationTask) -> dict[bytes, bytes]:
    """The file's key-value metadata: provenance and the task, as JSON."""
    provenance = dict(task.provenance or {}) | provenance_of(task)
    return {
        b"provenance": json.dumps(provenance, ensure_ascii=False, default=str).encode(),
        b"task": json.dumps(task_to_dict(task), ensure_ascii=False, default=str).encode(),
    }


def parquet_chunks(task: GenerationTask, row_group: int = ROW_GROUP) -> Iterator[bytes]:
    """The Parquet file in pieces: one per row group, then the footer.

    Rows become Arrow data CONVERT_EVERY at a time (Python objects are the bulky part: a bio
    with an emoji is four bytes a character there), and a row group's worth of Arrow batches is
    written at once.
    """
    pa, pq = _arrow()
    arrow_schema = schema().with_metadata(metadata(task))
    sink = _Sink()
    writer = pq.ParquetWriter(sink, arrow_schema, compression="zstd")
    columns = _Columns(arrow_schema.names)
    batches: list[Any] = []
    pending = rows = 0
    step = max(1, min(CONVERT_EVERY, row_group))

    def flush() -> None:
        writer.write_table(pa.Table.from_batches(batches, arrow_schema), row_group_size=row_group)
        batches.clear()

    try:
        for persona in iter_personas(task.task_id):
            columns.add(persona, task.task_id)
            if columns.rows >= step:
                pending += columns.rows
                batches.append(columns.take(pa, arrow_schema))
            if pending >= row_group:
                rows += pending
                pending = 0
                flush()
                yield sink.take()
        if columns.rows:
            pending += columns.rows
            batches.append(columns.take(pa, arrow_schema))
        if batches:
            rows += pending
            flush()
        writer.add_key_value_metadata({"rows": str(rows)})
    finally:
        writer.close()
    yield sink.take()
