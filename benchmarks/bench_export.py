"""Export: 1,000,000 personas of one task as CSV and as Parquet through the real console script.

The rows are inserted fast with one INSERT ... SELECT FROM generate_series per chunk (a real
persona from the local provider is the JSON template), then
`avatar-data-generator export TASK --format csv|parquet -o FILE` runs in a subprocess whose peak
RSS is the kernel's high-water mark (VmHWM in /proc/PID/status), polled every 10 ms. The Parquet
file is read back with pyarrow: its row count, its row groups and its provenance metadata.
"""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import common

INSERT = """
INSERT INTO generation_results (id, task_id, batch_index, position, first_name, last_name,
    date_of_birth, username, email, dedupe_key, data, created_at)
SELECT md5(%(t)s || g::text)::uuid::text, %(t)s, g / 100, g %% 100,
       %(first)s, 'Lovelace' || g, date '1950-01-01' + (g %% 20000),
       'ada' || g, 'ada' || g || '@example.com', 'ada lovelace' || g || '|' || g,
       (%(tmpl)s::jsonb || jsonb_build_object(
           'id', md5(%(t)s || g::text)::uuid::text,
           'last_name', 'Lovelace' || g,
           'date_of_birth', (date '1950-01-01' + (g %% 20000))::text,
           'username', 'ada' || g,
           'email', 'ada' || g || '@example.com'))::json,
       now()
  FROM generate_series(%(lo)s, %(hi)s) g
"""


def _template_persona(app: Any) -> dict[str, Any]:
    from avatar_data_generator.generation.base import BatchRequest
    from avatar_data_generator.generation.local import LocalProvider
    from avatar_data_generator.generation.pipeline import validate_batch

    request = BatchRequest("x", 0, 1, "en", {}, seed=1)
    outcome = validate_batch(request, LocalProvider(app.config).generate(request), "thumbs")
    return dict(outcome.personas[0])


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None
    return None


def run(quick: bool) -> dict[str, Any]:
    """Insert 1M rows, export them as CSV and as Parquet, report peak RSS and rows/s."""
    from avatar_data_generator.db import db
    from avatar_data_generator.tasks import create_task

    rows = 1_000_000
    chunk = 250_000
    with common.fresh_database("export") as url:
        app = common.make_app(url)
        with app.app_context():
            task, _ = create_task(count=1, batch_size=1, provider="local")
            task_id = task.task_id
            template = _template_persona(app)
            db.engine.dispose()
        t0 = time.perf_counter()
        with psycopg.connect(common.conninfo(url), autocommit=True) as conn:
            conn.execute("SET synchronous_commit = off")
            conn.execute(
                "UPDATE generation_batches SET status = 'done' WHERE task_id = %s", (task_id,)
            )
            for lo in range(0, rows, chunk):
                conn.execute(
                    INSERT,
                    {
                        "t": task_id,
                        "first": template["first_name"],
                        "tmpl": json.dumps(template),
                        "lo": lo,
                        "hi": min(rows, lo + chunk) - 1,
                    },
                )
            conn.execute(
                "UPDATE generation_tasks SET requested = %s, generated = %s, status = 'completed',"
                " started_at = now(), finished_at = now() WHERE task_id = %s",
                (rows, rows, task_id),
            )
            conn.execute("VACUUM ANALYZE generation_results")
        insert_s = time.perf_counter() - t0
        common.log(f"export: {rows} rows inserted in {insert_s:.1f}s")
        csv_peak_kb, csv_wall, csv_rows, csv_mb = _export(url, task_id, "csv")
        parquet_peak_kb, parquet_wall, parquet_rows, parquet_mb = _export(url, task_id, "parquet")
    for fmt, exported in (("csv", csv_rows), ("parquet", parquet_rows)):
        if exported != rows:
            raise RuntimeError(f"{fmt} export wrote {exported} rows, expected {rows}")
    return {
        "export_1m_peak_rss_mb": round(csv_peak_kb / 1024, 1),
        "export_1m_rows_per_s": round(rows / csv_wall, 1),
        "export_1m_seconds": round(csv_wall, 2),
        "export_1m_file_mb": round(csv_mb, 1),
        "export_parquet_1m_peak_rss_mb": round(parquet_peak_kb / 1024, 1),
        "export_parquet_1m_rows_per_s": round(rows / parquet_wall, 1),
        "export_parquet_1m_seconds": round(parquet_wall, 2),
        "export_parquet_1m_file_mb": round(parquet_mb, 1),
        "export_1m_setup": (
            "1,000,000 rows inserted with INSERT ... SELECT generate_series; "
            "`avatar-data-generator export TASK --format csv|parquet -o FILE` subprocess; peak "
            "RSS = VmHWM polled every 10 ms; rows/s over the whole subprocess (start-up "
            "included); the Parquet file (zstd, row groups of 10,000) read back with pyarrow"
        ),
    }


def _export(url: str, task_id: str, fmt: str) -> tuple[int, float, int, float]:
    """Run one export subprocess: (peak RSS kB, seconds, rows read back, file MB)."""
    out = common._WORK / f"export.{fmt}"
    env = common.worker_env(url)
    logf = common.log_file(f"export-{fmt}")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [common.console_script(), "export", task_id, "--format", fmt, "-o", str(out)],
        env=env,
        cwd=common.ROOT,
        stdout=logf,
        stderr=subprocess.STDOUT,
    )
    peak_kb = 0
    while proc.poll() is None:
        hwm = _vm_hwm_kb(proc.pid)
        if hwm:
            peak_kb = max(peak_kb, hwm)
        time.sleep(0.01)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        logf.seek(0)
        raise RuntimeError(f"{fmt} export failed ({proc.returncode}): {logf.read()[-2000:]}")
    exported = _parquet_rows(out, task_id) if fmt == "parquet" else _csv_rows(out)
    size_mb = out.stat().st_size / 2**20
    common.log(f"export: {fmt} {exported} rows in {wall:.1f}s, peak RSS {peak_kb / 1024:.0f} MB")
    out.unlink()
    return peak_kb, wall, exported, size_mb


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _parquet_rows(path: Path, task_id: str) -> int:
    """Rows of the Parquet file, checked against its metadata and provenance."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    meta = file.metadata
    provenance = json.loads(meta.metadata[b"provenance"])
    if provenance["task_id"] != task_id or int(meta.metadata[b"rows"]) != meta.num_rows:
        raise RuntimeError(f"parquet metadata does not match: {provenance}, {meta}")
    first = file.read_row_group(0)  # one group read back: types as written
    if str(first.schema.field("date_of_birth").type) != "date32[day]":
        raise RuntimeError(f"unexpected schema: {first.schema}")
    return int(
        sum(file.read_row_group(i, columns=["id"]).num_rows for i in range(meta.num_row_groups))
    )


if __name__ == "__main__":
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
