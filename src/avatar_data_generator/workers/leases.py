"""This process as a lease owner: claiming batches, the heartbeat that renews them, giving back.

The owner is a UUID made at process start. One heartbeat thread renews every lease the process
holds, in one statement, and takes back expired leases of any process; while the database does
not answer, the process claims nothing and says so.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask

from avatar_data_generator import events, queue
from avatar_data_generator.db import db, is_postgres, writing
from avatar_data_generator.queue import ClaimedBatch

log = logging.getLogger(__name__)


def log_context(batch: ClaimedBatch | None = None, owner: str | None = None) -> dict[str, Any]:
    """The ids a worker's log line carries (`extra=`): task, batch and lease owner."""
    extra: dict[str, Any] = {}
    if batch is not None:
        extra |= {"task_id": batch.task_id, "batch": batch.batch_index}
    if owner is not None:
        extra["owner"] = owner
    return extra


class Leases:
    """Claims, renews and gives back batches as one lease owner."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.owner = str(uuid.uuid4())
        self.lease_seconds = float(app.config["LEASE_SECONDS"])
        self.max_attempts = int(app.config["MAX_BATCH_ATTEMPTS"])
        with app.app_context():
            # Every transaction of the worker writes (SQLite: begun with the write lock).
            self.engine = writing(db.engine)
        #: Set at shutdown: claim nothing more (running batches may still finish).
        self.stopping = threading.Event()
        self._halted = threading.Event()
        self.healthy = threading.Event()
        self.healthy.set()
        self.last_heartbeat: float | None = None
        self._in_flight: dict[int, ClaimedBatch] = {}
        self._lock = threading.Lock()
        self._heartbeat: threading.Thread | None = None
        #: Called when claimable work may have appeared.
        self.on_reclaimed: list[Callable[[], None]] = []
        #: Called when a batch leaves `in_flight` (stored or ended).
        self.on_batch_done: list[Callable[[], None]] = []

    def claim(self, limit: int, task_id: str | None = None) -> list[ClaimedBatch]:
        """Lease up to `limit` batches in one short transaction (one statement on PostgreSQL)."""
        if limit <= 0 or self.stopping.is_set() or not self.healthy.is_set():
            return []
        with self.engine.connect() as conn:
            if is_postgres(conn):
                # One statement there, atomic by itself: no BEGIN and COMMIT round trips.
                conn.execution_options(isolation_level="AUTOCOMMIT")
            with conn.begin():
                claimed = queue.claim_batches(conn, self.owner, limit, self.lease_seconds, task_id)
        with self._lock:
            for batch in claimed:
                self._in_flight[batch.id] = batch
        return claimed

    def in_flight(self) -> list[ClaimedBatch]:
        """Batches this process holds leases on."""
        with self._lock:
            return list(self._in_flight.values())

    def done_with(self, batch: ClaimedBatch) -> None:
        """The batch was stored or ended: it leaves `in_flight`, and there is room for another."""
        with self._lock:
            self._in_flight.pop(batch.id, None)
        for callback in self.on_batch_done:
            callback()

    def start_heartbeat(self) -> None:
        """Renew every lease this process holds at a third of the lease, on its own thread."""
        if self._heartbeat is not None:
            return
        self._heartbeat = threading.Thread(
            target=self._beat_forever, name="avatar-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def _beat_forever(self) -> None:
        interval = max(0.2, self.lease_seconds / 3)
        self.beat()  # at once, so health shows a heartbeat from start-up
        while not self._halted.wait(interval):
            self.beat()

    def beat(self) -> None:
        """Renew leases and take back expired ones; stop claiming while the database is away."""
        extra = log_context(owner=self.owner)
        try:
            with self.engine.begin() as conn:
                queue.renew_leases(
                    conn, self.owner, self.lease_seconds, [b.id for b in self.in_flight()]
                )
            with self.engine.begin() as conn:
                reclaimed = queue.reclaim_expired_leases(conn, self.max_attempts)
        except Exception as exc:
            if self.healthy.is_set():
                # Operators alert on this line (docs/operations.md, "Tasks not being processed").
                log.error(
                    "[ERROR] Heartbeat failed, not claiming until the database answers: %s",
                    exc,
                    extra=extra,
                )
            self.healthy.clear()
            return
        recovered = not self.healthy.is_set()
        if recovered:
            log.info("Heartbeat recovered; claiming again", extra=extra)
        self.healthy.set()
        self.last_heartbeat = time.time()
        if recovered or reclaimed:
            for callback in self.on_reclaimed:
                callback()  # wake the dispatcher: there is work it may claim now
        if reclaimed:
            log.warning("Took back %d expired lease(s): %s", len(reclaimed), reclaimed, extra=extra)
            events.leases_reclaimed.send(self, count=len(reclaimed))

    def release(self, batches: list[ClaimedBatch]) -> int:
        """Give back leases this process cannot finish; the attempts do not count."""
        if not batches:
            return 0
        with self.engine.begin() as conn:
            return queue.release_batches(conn, self.owner, [b.id for b in batches])

    def release_all(self) -> int:
        """Give back the leases of every batch still in flight (graceful shutdown)."""
        batches = self.in_flight()
        if not batches:
            return 0
        released = self.release(batches)
        log.info(
            "Released %d lease(s) for another worker to resume",
            released,
            extra=log_context(owner=self.owner),
        )
        return released

    def stop(self) -> None:
        """Stop claiming and heartbeating."""
        self.stopping.set()
        self._halted.set()
