"""A batch whose call gave no personas: retried with backoff, postponed while its provider is
paused, failed, or given back; the Worker inherits these from `Setbacks`."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from avatar_data_generator import events, queue
from avatar_data_generator.queue import ClaimedBatch
from avatar_data_generator.workers.calls import Failure
from avatar_data_generator.workers.leases import Leases, log_context

log = logging.getLogger(__name__)


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None) -> float:
    """Capped exponential backoff with jitter, never sooner than the server's Retry-After."""
    delay = min(cap, base * 2 ** max(0, attempt - 1)) * (0.5 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap * 5))
    return delay


class Setbacks(Leases):
    """What becomes of a batch after a failed call (the lease owner's side of it)."""

    #: Provider messages are stored and shown: set by the Worker to the logs' redaction.
    redact: Callable[[str], str]

    def _settle(self, batch: ClaimedBatch, failure: Failure) -> None:
        """A call that gave no personas: retry, fail, wait for the provider or give back."""
        if failure.action == "retry":
            self._retry_or_fail(batch, failure.error, failure.retry_after)
        elif failure.action == "fail":
            self._fail(batch, failure.error, failure.called)
        elif failure.action == "postpone":
            self._postpone(batch, failure)
        else:
            self.release([batch])

    def _postpone(self, batch: ClaimedBatch, failure: Failure) -> None:
        """Wait for a paused provider as `pending`, spending no attempt."""
        with self.engine.begin() as conn:
            queue.postpone_batch(
                conn,
                batch,
                self.owner,
                self.redact(failure.error),
                failure.delay,
                failure.called,
            )
        log.info(
            "Batch %d: %s; waiting %.1fs without spending an attempt",
            batch.batch_index + 1,
            failure.error[:200],
            failure.delay,
            extra=log_context(batch, self.owner),
        )

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
                extra=log_context(batch, self.owner),
            )
            return
        log.info(
            "Batch %d: retrying in %.1fs (attempt %d of %d)",
            batch.batch_index + 1,
            delay,
            batch.attempts,
            self.max_attempts,
            extra=log_context(batch, self.owner),
        )

    def _fail(self, batch: ClaimedBatch, error: str, called: bool = True) -> None:
        error = self.redact(error)
        try:
            with self.engine.begin() as conn:
                failed = queue.fail_batch(conn, batch, self.owner, error, called)
        except Exception:
            log.exception(
                "[ERROR] Could not mark batch %d of task %s failed; lease will expire",
                batch.batch_index,
                batch.task_id,
                extra=log_context(batch, self.owner),
            )
            return
        if failed:
            log.error(
                "[ERROR] Task %s failed: %s",
                batch.task_id,
                error,
                extra=log_context(batch, self.owner),
            )
            self._task_finished(batch.task_id, "failed", None)
