"""Advisory locks on PostgreSQL (one machine needs none on SQLite): names, keys, statements.

Three uses: migrations wait for their lock (hosts starting together apply each step once),
housekeeping tries its lock and skips if another process holds it, and provider slots take one
of C two-key locks around each call (`SLOT_TRY`/`SLOT_UNLOCK`, on a raw psycopg connection).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

from sqlalchemy.engine import Connection

from avatar_data_generator.db import is_postgres
from avatar_data_generator.queue.dialect import sql

#: Take slot `%s` of namespace `%s` if free (psycopg parameters: namespace, slot).
SLOT_TRY = "SELECT pg_try_advisory_lock(%s, %s)"
#: Give that slot back.
SLOT_UNLOCK = "SELECT pg_advisory_unlock(%s, %s)"


def advisory_key(name: str) -> int:
    """A stable 32-bit key for pg advisory locks derived from a name."""
    return zlib.crc32(name.encode())


@contextlib.contextmanager
def advisory_lock(conn: Connection, name: str) -> Iterator[None]:
    """Hold a session advisory lock on PostgreSQL (no-op elsewhere) for the block, waiting."""
    if not is_postgres(conn):
        yield
        return
    key = {"k": advisory_key(name)}
    conn.execute(sql("SELECT pg_advisory_lock(:k)"), key)
    try:
        yield
    finally:
        conn.execute(sql("SELECT pg_advisory_unlock(:k)"), key)


def try_advisory_lock(conn: Connection, name: str) -> bool:
    """Take a session advisory lock if nobody holds it (always True on SQLite)."""
    if not is_postgres(conn):
        return True
    return bool(
        conn.execute(sql("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(name)}).scalar()
    )


def advisory_unlock(conn: Connection, name: str) -> None:
    """Give back a session advisory lock taken with `try_advisory_lock`."""
    if is_postgres(conn):
        conn.execute(sql("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(name)})
