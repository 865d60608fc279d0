"""This process's worker identity: lease owner, heartbeat, provider slots, and running one batch."""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from flask import Flask

from avatar_data_generator import events, queue
from avatar_data_generator.db import db, is_postgres, writing
from avatar_data_generator.generation.base import BatchRequest, Provider, ProviderError
from avatar_data_generator.generation.pipeline import validate_batch
from avatar_data_generator.generation.providers import get_provider
from avatar_data_generator.logging_setup import redactor_of
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.queue import ClaimedBatch, FinishedBatch
from avatar_data_generator.workers.completer import BatchCompleter
from avatar_data_generator.workers.slots import ProviderSlots

log = logging.getLogger("avatar_data_generator.worker")


def batch_seed(task_seed: int | None, batch_index: int) -> int | None:
    """A per-batch seed derived from the task's, so a seeded task is reproducible batch by batch."""
    if task_seed is None:
        return None
    digest = hashlib.sha256(f"{task_seed}:{batch_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None) -> float:
    """Capped exponential backoff with jitter, never sooner than the server's Retry-After."""
    delay = min(cap, base * 2 ** max(0, attempt - 1)) * (0.5 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap * 5))
    return delay


class Worker:
    """Claims, renews and finishes batches as one lease owner (a UUID made at process start)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.owner = str(uuid.uuid4())
        cfg = app.config
        self.lease_seconds = float(cfg["LEASE_SECONDS"])
        self.max_attempts = int(cfg["MAX_BATCH_ATTEMPTS"])
        #: Provider messages are stored and shown: they pass the logs' redaction first.
        self.redact = redactor_of(cfg)
        with app.app_context():
            # Every transaction of the worker writes (SQLite: begun with the write lock).
            self.engine = writing(db.engine)
        self.slots = ProviderSlots(self.engine, int(cfg["FLOWISE_MAX_CONCURRENCY"]))
        self.completer = BatchCompleter(self.engine, self.owner)
        #: Set at shutdown: claim nothing more (running batches may still finish).
        self.stopping = threading.Event()
        self._halted = threading.Event()
        self.healthy = threading.Event()
        self.healthy.set()
        self.last_heartbeat: float | None = None
        self._in_flight: dict[int, ClaimedBatch] = {}
        self._lock = threading.Lock()
        self._providers: dict[str, Provider] = {}
        self._heartbeat: threading.Thread | None = None
        #: Called when claimable work may have appeared.
        self.on_reclaimed: list[Callable[[], None]] = []
        #: Called when a batch leaves `in_flight` (stored or ended).
        self.on_batch_done: list[Callable[[], None]] = []

    # --- leases ----------------------------------------------------------------------------

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
        try:
            with self.engine.begin() as conn:
                queue.renew_leases(
                    conn, self.owner, self.lease_seconds, [b.id for b in self.in_flight()]
                )
            with self.engine.begin() as conn:
                reclaimed = queue.reclaim_expired_leases(conn, self.max_attempts)
        except Exception as exc:
            if self.healthy.is_set():
                log.error(
                    "[ERROR] Heartbeat failed, not claiming until the database answers: %s",
                    exc,
                    extra={"owner": self.owner},
                )
            self.healthy.clear()
            return
        recovered = not self.healthy.is_set()
        if recovered:
            log.info("Heartbeat recovered; claiming again", extra={"owner": self.owner})
        self.healthy.set()
        self.last_heartbeat = time.time()
        if recovered or reclaimed:
            for callback in self.on_reclaimed:
                callback()  # wake the dispatcher: there is work it may claim now
        if reclaimed:
            log.warning(
                "Took back %d expired lease(s): %s",
                len(reclaimed),
                reclaimed,
                extra={"owner": self.owner},
            )
            events.leases_reclaimed.send(self, count=len(reclaimed))

    def release_all(self) -> int:
        """Give back the leases of every batch still in flight (graceful shutdown)."""
        ids = [b.id for b in self.in_flight()]
        if not ids:
            return 0
        with self.engine.begin() as conn:
            released = queue.release_batches(conn, self.owner, ids)
        log.info(
            "Released %d lease(s) for another worker to resume",
            released,
            extra={"owner": self.owner},
        )
        return released

    def stop(self) -> None:
        """Stop claiming and heartbeating."""
        self.stopping.set()
        self._halted.set()
        self.slots.close()
        self.completer.close()

    # --- running one batch -----------------------------------------------------------------

    def provider(self, name: str) -> Provider:
        """A provider instance per name, reused across batches (keeps HTTP connections warm)."""
        with self._lock:
            if name not in self._providers:
                self._providers[name] = get_provider(name, self.app.config)
            return self._providers[name]

    def run_batch(self, batch: ClaimedBatch) -> None:
        """Generate and validate one batch, then hand it to the completer to store.

        Returns once the batch is handed over or ended; every outcome ends the lease, and the
        batch leaves `in_flight` (calling `on_batch_done`) once it is stored or ended.
        """
        handed_over = False
        try:
            with self.app.app_context():
                handed_over = self._run_batch(batch)
        except Exception:
            log.exception(
                "[ERROR] Batch %d of task %s crashed",
                batch.batch_index,
                batch.task_id,
                extra={"task_id": batch.task_id, "batch": batch.batch_index},
            )
            self._retry_or_fail(batch, "internal error while processing the batch", None)
        finally:
            if not handed_over:
                self._batch_done(batch)

    def _batch_done(self, batch: ClaimedBatch) -> None:
        with self._lock:
            self._in_flight.pop(batch.id, None)
        for callback in self.on_batch_done:
            callback()

    def _run_batch(self, batch: ClaimedBatch) -> bool:
        """True once the batch is handed to the completer; False if it ended here."""
        cfg = self.app.config
        extra = {"task_id": batch.task_id, "batch": batch.batch_index, "owner": self.owner}
        # The claim brought the task's columns along: no read before the call.
        request = BatchRequest(
            task_id=batch.task_id,
            batch_index=batch.batch_index,
            count=batch.size,
            locale=batch.locale,
            bio_settings=batch.bio_settings,
            seed=batch_seed(batch.seed, batch.batch_index),
            attempt=batch.attempts,
        )
        if batch.task_started:
            log.info("Processing Task: %s", batch.task_id, extra=extra)
            log.info("Status updated to 'generating-data'", extra=extra)
        log.info(
            "Batch %d: Requesting %d personas from %s...",
            batch.batch_index + 1,
            batch.size,
            batch.provider,
            extra=extra,
        )
        try:
            provider = self.provider(batch.provider)
        except ValueError as exc:
            # Misconfigured (e.g. FLOWISE_API_URL unset): no retry can help, so say why at once.
            self._fail(batch, f"provider {batch.provider} is not configured: {exc}")
            return False
        started = time.monotonic()
        try:
            with self.slots.hold(self.stopping):
                events.provider_calls_in_flight.send(self, delta=1)
                try:
                    response = provider.generate(request)
                finally:
                    events.provider_calls_in_flight.send(self, delta=-1)
        except ProviderError as exc:
            elapsed = time.monotonic() - started
            outcome = "retry" if exc.retryable else "error"
            events.provider_call_finished.send(
                self, provider=batch.provider, outcome=outcome, seconds=elapsed
            )
            log.warning(
                "Batch %d: provider error after %.2fs: %s",
                batch.batch_index + 1,
                elapsed,
                exc,
                extra=extra,
            )
            if exc.retryable:
                self._retry_or_fail(batch, str(exc), exc.retry_after)
            else:
                self._fail(batch, str(exc))
            return False
        except InterruptedError:
            # Stopping while waiting for a provider slot: hand the batch to another worker.
            with self.engine.begin() as conn:
                queue.release_batches(conn, self.owner, [batch.id])
            return False
        elapsed = time.monotonic() - started
        events.provider_call_finished.send(
            self, provider=batch.provider, outcome="ok", seconds=elapsed
        )
        log.info(
            "Batch %d: Received response in %.2fs", batch.batch_index + 1, elapsed, extra=extra
        )
        validated = validate_batch(request, response, cfg["AVATAR_STYLE"])
        rows = list(map(queue.storage_row, validated.personas, validated.keys))
        budget = queue.topup_budget(batch.requested, batch.batch_size, cfg["MAX_TOPUP_RATIO"])
        future = self.completer.submit(
            queue.BatchResult(
                batch,
                rows,
                duration=elapsed,
                calls=1,
                tokens=validated.tokens,
                quality=validated.quality | {"topup_calls": int(batch.is_topup)},
                topup_budget=budget,
            )
        )
        future.add_done_callback(functools.partial(self._stored, batch, elapsed, extra))
        return True

    def _stored(
        self,
        batch: ClaimedBatch,
        elapsed: float,
        extra: dict[str, Any],
        future: Future[FinishedBatch | None],
    ) -> None:
        """The completer stored the batch (or failed to): log, signal, end the lease."""
        try:
            try:
                finished = future.result()
            except Exception:
                log.exception(
                    "[ERROR] Could not store batch %d of task %s",
                    batch.batch_index,
                    batch.task_id,
                    extra=extra,
                )
                self._retry_or_fail(batch, "internal error while storing the batch", None)
                return
            self._report_stored(batch, elapsed, finished, extra)
        finally:
            self._batch_done(batch)

    def _report_stored(
        self,
        batch: ClaimedBatch,
        elapsed: float,
        finished: FinishedBatch | None,
        extra: dict[str, Any],
    ) -> None:
        if finished is None:
            log.warning(
                "Batch %d: lease lost to another worker; result discarded",
                batch.batch_index + 1,
                extra=extra,
            )
            return
        events.batch_stored.send(
            self,
            task_id=batch.task_id,
            batch_index=batch.batch_index,
            personas=finished.inserted,
            seconds=elapsed,
        )
        log.info(
            "Batch %d: Stored %d results in database",
            batch.batch_index + 1,
            finished.inserted,
            extra=extra,
        )
        if finished.topup_batch is not None:
            log.info(
                "Batch %d: %d persona(s) short; queued top-up batch %d",
                batch.batch_index + 1,
                batch.size - finished.inserted,
                finished.topup_batch + 1,
                extra=extra,
            )
        if finished.task_status == TaskStatus.COMPLETED.value:
            log.info("Task completed successfully - status set to 'data-generated'", extra=extra)
            log.info(
                "Task %s completed: avatars assigned and quality report written",
                batch.task_id,
                extra=extra,
            )
            self._task_finished(batch.task_id, "completed", finished.task_seconds)
        elif finished.task_status == TaskStatus.FAILED.value:
            self._task_finished(batch.task_id, "failed", None)

    def _task_finished(self, task_id: str, status: str, seconds: float | None) -> None:
        events.task_finished.send(self, task_id=task_id, status=status, seconds=seconds or 0.0)

    def _retry_or_fail(self, batch: ClaimedBatch, error: str, retry_after: float | None) -> None:
        cfg = self.app.config
        error = self.redact(error)
        if batch.attempts >= self.max_attempts:
            self._fail(batch, f"{error} (gave up after {batch.attempts} attempts)")
            return
        delay = backoff_delay(
            batch.attempts, cfg["RETRY_BASE_SECONDS"], cfg["RETRY_MAX_SECONDS"], retry_after
        )
        try:
            with self.engine.begin() as conn:
                queue.retry_batch_later(conn, batch, self.owner, error, delay)
        except Exception:
            log.exception(
                "[ERROR] Could not requeue batch %d of task %s; its lease will expire",
                batch.batch_index,
                batch.task_id,
            )
            return
        log.info(
            "Batch %d: retrying in %.1fs (attempt %d of %d)",
            batch.batch_index + 1,
            delay,
            batch.attempts,
            self.max_attempts,
            extra={"task_id": batch.task_id, "batch": batch.batch_index},
        )

    def _fail(self, batch: ClaimedBatch, error: str) -> None:
        error = self.redact(error)
        try:
            with self.engine.begin() as conn:
                failed = queue.fail_batch(conn, batch, self.owner, error)
        except Exception:
            log.exception(
                "[ERROR] Could not mark batch %d of task %s failed; lease will expire",
                batch.batch_index,
                batch.task_id,
            )
            return
        if failed:
            log.error(
                "[ERROR] Task %s failed: %s",
                batch.task_id,
                error,
                extra={"task_id": batch.task_id, "batch": batch.batch_index},
            )
            self._task_finished(batch.task_id, "failed", None)
