"""FLOWISE_MAX_CONCURRENCY: provider calls in flight across every process, held only per call."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from avatar_data_generator.db import psycopg_conninfo
from avatar_data_generator.queue.locks import SLOT_TRY, SLOT_UNLOCK, advisory_key

log = logging.getLogger(__name__)

# Advisory locks take two int keys: this namespace and the slot number.
SLOT_NAMESPACE = advisory_key("avatar_data_generator.provider_slots") & 0x7FFFFFFF


class ProviderSlots:
    """One of C slots around each provider call; unlimited when C is 0.

    On PostgreSQL a slot is a session advisory lock held on one connection this process keeps
    for slots alone, so a process that dies frees its slots at once, and waiting for a slot
    holds no pooled connection. Waiters retry every ~25 ms. On SQLite (one machine) a
    process-local semaphore is enough.
    """

    def __init__(self, engine: Engine, capacity: int) -> None:
        self.capacity = capacity
        self.postgres = engine.dialect.name == "postgresql"
        self._conninfo = psycopg_conninfo(engine) if self.postgres else ""
        self._semaphore = threading.BoundedSemaphore(capacity) if capacity > 0 else None
        self._mutex = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._held: set[int] = set()

    @contextlib.contextmanager
    def hold(self, stop: threading.Event | None = None) -> Iterator[None]:
        """Hold one slot for the duration of the block."""
        if self.capacity <= 0:
            yield
            return
        if not self.postgres:
            assert self._semaphore is not None
            with self._semaphore:
                yield
            return
        slot = self._acquire(stop)
        try:
            yield
        finally:
            self._release(slot)

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            # A new session holds none of the old one's locks: forget them.
            self._held.clear()
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def _try_any(self) -> int | None:
        with self._mutex:
            conn = self._connection()
            start = random.randrange(self.capacity)
            for i in range(self.capacity):
                slot = (start + i) % self.capacity
                if slot in self._held:
                    continue
                row = conn.execute(SLOT_TRY, (SLOT_NAMESPACE, slot)).fetchone()
                if row and row[0]:
                    self._held.add(slot)
                    return slot
            return None

    def _acquire(self, stop: threading.Event | None) -> int:
        while True:
            try:
                slot = self._try_any()
            except psycopg.Error as exc:
                log.warning("provider slot connection failed: %s; reconnecting", exc)
                with self._mutex:
                    self._close()
                slot = None
                time.sleep(0.5)
            if slot is not None:
                return slot
            if stop is not None and stop.is_set():
                raise InterruptedError("worker is stopping")
            time.sleep(0.02 + random.random() * 0.01)

    def _release(self, slot: int) -> None:
        with self._mutex:
            if slot not in self._held:
                return
            self._held.discard(slot)
            try:
                if self._conn is not None and not self._conn.closed:
                    self._conn.execute(SLOT_UNLOCK, (SLOT_NAMESPACE, slot))
            except psycopg.Error:
                self._close()

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None
        self._held.clear()

    def close(self) -> None:
        """Drop the slot connection (frees every slot this process holds)."""
        with self._mutex:
            self._close()
