"""Running one batch: a provider call in a slot, validation, and the hand-over to be stored."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from concurrent.futures import Future
from typing import Any

from flask import Flask

from avatar_data_generator import events, queue
from avatar_data_generator.generation.base import (
    BatchOutcome,
    BatchRequest,
    Provider,
    ProviderResponse,
)
from avatar_data_generator.generation.cost import parse_prices, price_for
from avatar_data_generator.generation.pipeline import validate_batch
from avatar_data_generator.generation.providers import get_provider
from avatar_data_generator.logging_setup import redactor_of
from avatar_data_generator.models import TaskStatus
from avatar_data_generator.queue import ClaimedBatch, FinishedBatch
from avatar_data_generator.queue import providers as shared
from avatar_data_generator.workers.calls import Failure, ProviderCalls
from avatar_data_generator.workers.completer import BatchCompleter
from avatar_data_generator.workers.leases import log_context
from avatar_data_generator.workers.postprocess import PostProcessor
from avatar_data_generator.workers.setbacks import Setbacks
from avatar_data_generator.workers.slots import ProviderSlots

log = logging.getLogger(__name__)

#: The provider guard looks for outages to probe this often, and records limits every few looks.
GUARD_SECONDS = 1.0
LIMITS_EVERY = 5


def batch_seed(task_seed: int | None, batch_index: int) -> int | None:
    """A per-batch seed derived from the task's, so a seeded task is reproducible batch by batch."""
    if task_seed is None:
        return None
    digest = hashlib.sha256(f"{task_seed}:{batch_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def request_for(batch: ClaimedBatch) -> BatchRequest:
    """What the provider is asked for; the claim brought the task's columns along."""
    return BatchRequest(
        task_id=batch.task_id,
        batch_index=batch.batch_index,
        count=batch.size,
        locale=batch.locale,
        bio_settings=batch.bio_settings,
        seed=batch_seed(batch.seed, batch.batch_index),
        attempt=batch.attempts,
        as_of=batch.created_at.date() if batch.created_at else None,
        facts=batch.facts,
    )


class Worker(Setbacks):
    """Runs batches as this process's lease owner: provider call, validation, hand-over to store.

    The route of one batch: `run_batch` -> a provider slot -> `provider.generate` ->
    `validate_batch` -> the completer (`queue.finish_batches`) -> `_stored` -> `done_with`.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        cfg = app.config
        #: Provider messages are stored and shown: they pass the logs' redaction first.
        self.redact = redactor_of(cfg)
        self.slots = ProviderSlots(self.engine, int(cfg["FLOWISE_MAX_CONCURRENCY"]))
        self.completer = BatchCompleter(self.engine, self.owner)
        self.post = PostProcessor(self.engine, self._postprocessed)
        self.calls = ProviderCalls(self)
        self.prices = parse_prices(cfg.get("PROVIDER_PRICES"))
        self._providers: dict[str, Provider] = {}
        self._guard: threading.Thread | None = None

    def start_heartbeat(self) -> None:
        """The heartbeat, and a guard that probes providers that are down for everyone."""
        super().start_heartbeat()
        if self._guard is None:
            self._guard = threading.Thread(
                target=self._guard_forever, name="avatar-provider-guard", daemon=True
            )
            self._guard.start()

    def _guard_forever(self) -> None:
        ticks = 0
        while not self._halted.wait(GUARD_SECONDS):
            ticks += 1
            try:
                if self.calls.probe_outages():
                    for callback in self.on_reclaimed:
                        callback()  # its batches are claimable again
                if ticks % LIMITS_EVERY == 0:
                    self._record_limits()
            except Exception as exc:  # the database may be away: the heartbeat says so
                log.debug("Provider guard: %s", exc)

    def _record_limits(self) -> None:
        figures = {
            name: (f["concurrency"], f["maximum"]) for name, f in self.calls.figures().items()
        }
        with self.engine.begin() as conn:
            shared.record_limits(conn, self.owner, figures)

    def stop(self) -> None:
        """Stop claiming and heartbeating; store what was handed over; drop the slots."""
        super().stop()
        self.slots.close()
        self.completer.close()
        self.post.close()
        try:
            with self.engine.begin() as conn:
                shared.forget_limits(conn, self.owner)
        except Exception as exc:  # only the dashboard's figure: it ages out by itself
            log.debug("Could not forget this process's provider limits: %s", exc)

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
            # Operators alert on the [ERROR] lines (docs/operations.md, "The log sequence").
            log.exception(
                "[ERROR] Batch %d of task %s crashed",
                batch.batch_index,
                batch.task_id,
                extra=log_context(batch, self.owner),
            )
            self._retry_or_fail(batch, "internal error while processing the batch", None)
        finally:
            if not handed_over:
                self.done_with(batch)

    def _run_batch(self, batch: ClaimedBatch) -> bool:
        """True once the batch is handed to the completer; False if it ended here."""
        extra = log_context(batch, self.owner)
        # The lines of the seed's log sequence (docs/operations.md): operators read them.
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
            self._fail(batch, f"provider {batch.provider} is not configured: {exc}", called=False)
            return False
        request = request_for(batch)
        outcome = self.calls.call(batch, provider, request)
        if isinstance(outcome, Failure):
            self._settle(batch, outcome)
            return False
        response, elapsed = outcome
        log.info(
            "Batch %d: Received response in %.2fs", batch.batch_index + 1, elapsed, extra=extra
        )
        self._hand_over(batch, request, response, elapsed)
        return True

    def _hand_over(
        self,
        batch: ClaimedBatch,
        request: BatchRequest,
        response: ProviderResponse,
        elapsed: float,
    ) -> None:
        """Validate the answer and give the batch to the completer, which stores it."""
        cfg = self.app.config
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
                tokens_in=validated.tokens_in,
                tokens_out=validated.tokens_out,
                cost=self._cost(batch.provider, validated),
                quality=validated.quality | {"topup_calls": int(batch.is_topup)},
                topup_budget=budget,
            )
        )
        extra = log_context(batch, self.owner)
        future.add_done_callback(functools.partial(self._stored, batch, elapsed, extra, rows))

    def _cost(self, provider: str, validated: BatchOutcome) -> float | None:
        """What this call cost by PROVIDER_PRICES (None without a price for it)."""
        model = self.provider(provider).provenance().get("model") or validated.model
        price = price_for(self.prices, provider, model)
        return None if price is None else price.of(validated.tokens_in, validated.tokens_out)

    def _stored(
        self,
        batch: ClaimedBatch,
        elapsed: float,
        extra: dict[str, Any],
        rows: list[dict[str, Any]],
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
            self._report_stored(batch, elapsed, finished, extra, rows)
        finally:
            self.done_with(batch)

    def _report_stored(
        self,
        batch: ClaimedBatch,
        elapsed: float,
        finished: FinishedBatch | None,
        extra: dict[str, Any],
        rows: list[dict[str, Any]],
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
        if finished.task_status == TaskStatus.DATA_GENERATED.value:
            # The last lines of the seed's log sequence (docs/operations.md).
            log.info("Task completed successfully - status set to 'data-generated'", extra=extra)
            # A task stored whole by this batch: its personas are these rows, not read back.
            whole = finished.inserted == batch.requested == len(rows)
            self.post.submit(batch.task_id, extra, [row["data"] for row in rows] if whole else None)
        elif finished.task_status == TaskStatus.FAILED.value:
            self._task_finished(batch.task_id, "failed", None)

    def _postprocessed(self, task_id: str, seconds: float | None, extra: dict[str, Any]) -> None:
        """The post-processor completed a task whose last batch this process stored."""
        log.info(
            "Task %s completed: avatars assigned and quality report written", task_id, extra=extra
        )
        self._task_finished(task_id, "completed", seconds)
