"""LISTEN for new work on a connection of its own; polling stays the fallback."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import Engine

from avatar_data_generator.db import psycopg_conninfo
from avatar_data_generator.queue import LISTEN

log = logging.getLogger(__name__)


class WakeupListener:
    """A thread that wakes the dispatcher on every NOTIFY; reconnects with backoff if cut.

    It fails silently behind PgBouncer in transaction mode (no notifications arrive), which is
    why the scheduler tick still wakes the dispatcher every WORKER_INTERVAL seconds.
    """

    def __init__(self, engine: Engine, wake: Callable[[], None], timeout: float = 1.0) -> None:
        self.conninfo = psycopg_conninfo(engine)
        self.wake = wake
        self.timeout = timeout
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.reconnects = 0
        self._conn: psycopg.Connection | None = None  # type: ignore[type-arg,unused-ignore]
        self._thread = threading.Thread(target=self._run, name="avatar-listener", daemon=True)

    def start(self) -> None:
        """Start listening in the background."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop within about one read timeout."""
        self.stopping.set()
        self._thread.join(timeout)

    def break_connection(self) -> None:
        """Close the listening socket under the thread (tests use it to simulate a cut)."""
        conn = self._conn
        if conn is not None:
            conn.pgconn.finish()

    def _run(self) -> None:
        delay = 0.5
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    self._conn = conn
                    conn.execute(LISTEN)
                    self.connected.set()
                    delay = 0.5
                    self.wake()  # anything submitted while we were away
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=self.timeout):
                            self.wake()
            except Exception as exc:
                self.connected.clear()
                if self.stopping.is_set():
                    break
                self.reconnects += 1
                log.warning(
                    "Wake-up listener lost its connection (%s); reconnecting in %.1fs; "
                    "polling continues meanwhile",
                    exc,
                    delay,
                )
                self.stopping.wait(delay)
                delay = min(delay * 2, 30.0)
            finally:
                self._conn = None
        self.connected.clear()
