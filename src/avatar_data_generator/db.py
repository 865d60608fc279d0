"""The database handle, UTC timestamps, engine tuning per dialect, refused writes."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Dialect, Engine, ExceptionContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from avatar_data_generator import paths

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across dialects."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(paths.MIGRATIONS))


def utcnow() -> datetime:
    """Now, in UTC with microseconds (SQLite's CURRENT_TIMESTAMP has whole seconds and no zone)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC on the way in and out, on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; SQLite stores it naive, so the zone is dropped there."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to naive values read back from SQLite."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_postgres(bind: Engine | Connection) -> bool:
    """Whether this engine or connection talks to PostgreSQL."""
    return bind.dialect.name == "postgresql"


def engine_options(settings: dict[str, Any]) -> dict[str, Any]:
    """Engine options sized to the threads that use the pool (see docs/operations.md).

    The pool serves short transactions only (claims, heartbeats, the batch completer's
    stores), never a provider call, so a small pool serves MULTITHREAD_FLOWISE threads. Each
    process also keeps one LISTEN connection and, with FLOWISE_MAX_CONCURRENCY > 0, one slot
    connection outside the pool; the default keeps a process at 4 connections, so 3 hosts x 8
    gunicorn workers (24 x 4 = 96) fit PostgreSQL's default max_connections of 100 (97 after
    the 3 reserved). DB_POOL_SIZE overrides it.
    """
    url: str = settings["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    threads = int(settings.get("MULTITHREAD_FLOWISE") or 5)
    capped = int(settings.get("FLOWISE_MAX_CONCURRENCY") or 0) > 0
    default = max(2, min(threads // 2 + 1, 2 if capped else 3))
    pool_size = int(settings.get("DB_POOL_SIZE") or 0) or default
    return {
        # orjson reads the stored personas (post-processing, exports) about 3x faster than json
        # (a stored local persona: 2.1 us against 6.3).
        "json_deserializer": orjson.loads,
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": 30,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": 10,
            "application_name": "avatar-data-generator",
            "keepalives": 1,
            "keepalives_idle": 30,
        },
    }


#: Statements that write: SQLite begins their transaction IMMEDIATE (it takes the write lock).
_WRITE = re.compile(
    r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b"
    r"|^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b",
    re.IGNORECASE | re.DOTALL,
)
#: Execution option: this connection's transaction will write, so begin it IMMEDIATE at once.
SQLITE_WRITE = "sqlite_write"


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, and transactions that take the write lock only when they write.

    SQLite has one writer at a time. A transaction is begun lazily, by its first statement:
    `BEGIN IMMEDIATE` when that statement writes (or the connection carries `SQLITE_WRITE`, for
    transactions that read before they write: a deferred one could not take the lock later
    without failing), plain `BEGIN` otherwise, so a read never holds the write lock, however
    long its transaction stays open.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # no implicit BEGIN from the driver: ours below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_lazily(
        conn: Connection, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if not conn.in_transaction() or cursor.connection.in_transaction:
            return  # autocommit, or SQLite's transaction is already open
        write = conn.get_execution_options().get(SQLITE_WRITE) or _WRITE.match(statement)
        cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")


def writing(engine: Engine) -> Engine:
    """The engine whose transactions begin with SQLite's write lock (read-then-write work)."""
    return engine.execution_options(**{SQLITE_WRITE: True})


def begin_write() -> None:
    """Make the session's next statements one write transaction (IMMEDIATE on SQLite).

    A read earlier in the request (the login's user lookup) left a deferred transaction open;
    it is ended first, so the write transaction starts with the lock instead of upgrading to it.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={SQLITE_WRITE: True})


class WriteFailures:
    """Writes the database refused recently (a full disk, a read-only server), for /healthz.

    A constraint violation is the code's business, not the database's health: not counted.
    """

    #: How long a refused write keeps health degraded.
    WINDOW_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: deque[float] = deque(maxlen=1000)
        self.last_error: str | None = None
        self.last_at: float | None = None

    def record(self, context: ExceptionContext) -> None:
        """The engine's `handle_error` hook: remember a refused write."""
        statement = context.statement or ""
        if isinstance(context.sqlalchemy_exception, IntegrityError) or not _WRITE.match(statement):
            return
        lines = str(context.original_exception).strip().splitlines()
        with self._lock:
            self.last_at = time.time()
            self._times.append(self.last_at)
            self.last_error = lines[0][:300] if lines else type(context.original_exception).__name__

    def recent(self) -> int:
        """Refused writes within the window."""
        since = time.time() - self.WINDOW_SECONDS
        with self._lock:
            return sum(1 for at in self._times if at >= since)


def write_failures(app: Flask) -> WriteFailures:
    """This app's record of refused writes."""
    failures: WriteFailures = app.extensions[WRITE_FAILURES]
    return failures


WRITE_FAILURES = "avatar_write_failures"


def init_app(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic to the app and tune the engine for its dialect."""
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(paths.MIGRATIONS), compare_type=True)
    failures = app.extensions[WRITE_FAILURES] = WriteFailures()
    with app.app_context():
        event.listen(db.engine, "handle_error", failures.record)
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)


def psycopg_conninfo(engine: Engine) -> str:
    """A libpq connection string for raw psycopg connections outside the pool."""
    return str(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
