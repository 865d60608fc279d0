"""One provider call, and what its outcome means for the batch and for the provider.

Before the call: is the provider paused for every process (a Retry-After, an outage)? Then the
batch waits, spending no attempt. Around it: room under the provider's adaptive concurrency, and
one of the global slots. After it: a 429 (or 503) cuts the concurrency and pauses the provider
for every process; failures worth retrying feed the breaker, which pauses the provider until a
probe finds it answering; a wrong key fails the task at once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from avatar_data_generator import events, queue
from avatar_data_generator.generation.base import (
    BatchRequest,
    Provider,
    ProviderError,
    ProviderResponse,
)
from avatar_data_generator.queue import ClaimedBatch
from avatar_data_generator.queue import providers as shared
from avatar_data_generator.workers.leases import log_context
from avatar_data_generator.workers.limits import AdaptiveLimit, Breaker

if TYPE_CHECKING:
    from avatar_data_generator.workers.runner import Worker

log = logging.getLogger(__name__)

#: Statuses that mean "too much, slow down" (a 503 may also be an outage: the breaker sees it).
THROTTLE_STATUSES = frozenset({429, 503})
#: Providers that run in this process: nothing to limit, nothing to break.
LOCAL = frozenset({"local"})


@dataclass(frozen=True)
class Failure:
    """A call that did not give personas, and what to do with its batch."""

    #: `retry` (spend an attempt, back off), `fail` (the task fails), `postpone` (wait for the
    #: provider without spending an attempt) or `released` (the worker is stopping).
    action: str
    error: str = ""
    delay: float = 0.0
    retry_after: float | None = None
    called: bool = True


class ProviderCalls:
    """This process's calls to its providers: limits, breakers, shared pauses and probes."""

    def __init__(self, worker: Worker) -> None:
        cfg = worker.app.config
        self.worker = worker
        self.maximum = int(cfg["MULTITHREAD_FLOWISE"])
        self.adaptive = bool(cfg.get("ADAPTIVE_CONCURRENCY", True))
        self.cooldown = float(cfg.get("BREAKER_COOLDOWN_SECONDS", 5.0))
        self.default_pause = float(cfg.get("RATE_LIMIT_PAUSE_SECONDS", 1.0))
        self.window = int(cfg.get("BREAKER_WINDOW", 10))
        self.ratio = float(cfg.get("BREAKER_FAILURE_RATIO", 0.5))
        self.limits: dict[str, AdaptiveLimit] = {}
        self.breakers: dict[str, Breaker] = {}
        self._lock = threading.Lock()

    def limit(self, name: str) -> AdaptiveLimit:
        """The adaptive concurrency of one provider in this process."""
        with self._lock:
            if name not in self.limits:
                self.limits[name] = AdaptiveLimit(self.maximum, self.adaptive)
                self.breakers[name] = Breaker(self.window, self.ratio)
            return self.limits[name]

    def capacity(self, threads: int) -> int:
        """Batches worth holding: the threads, or fewer while the remote providers allow less.

        One more than a provider allows: that batch waits for the next call to end and starts
        at once, instead of after that call's batch is stored and another claimed. Against a
        stand-in allowing 8 calls/s of 0.5 s each, 0.82-0.86 x R became 0.91-0.92.
        """
        remote = [lim.current for name, lim in self.limits.items() if name not in LOCAL]
        return min(threads, max(remote) + 1) if remote else threads

    def call(
        self, batch: ClaimedBatch, provider: Provider, request: BatchRequest
    ) -> tuple[ProviderResponse, float] | Failure:
        """One call for one batch, bounded by the provider's limits."""
        name = batch.provider
        if name in LOCAL:
            return self._timed(batch, provider, request)
        limit = self.limit(name)
        try:
            limit.acquire(self.worker.stopping)
        except InterruptedError:
            return Failure("released", called=False)
        try:
            # Asked once the slot is ours: a pause that began while this batch waited holds.
            with self.worker.engine.begin() as conn:
                paused = shared.pause_left(conn, name)
            if paused > 0:
                return Failure("postpone", f"{name} is paused", paused, called=False)
            outcome = self._timed(batch, provider, request)
        finally:
            limit.release()
        if isinstance(outcome, Failure):
            return outcome
        limit.succeeded(outcome[1])
        self.breakers[name].record(True, started=time.monotonic() - outcome[1])
        return outcome

    def _timed(
        self, batch: ClaimedBatch, provider: Provider, request: BatchRequest
    ) -> tuple[ProviderResponse, float] | Failure:
        started = time.monotonic()
        try:
            with self.worker.slots.hold(self.worker.stopping):
                events.provider_calls_in_flight.send(self.worker, delta=1)
                try:
                    response = provider.generate(request)
                finally:
                    events.provider_calls_in_flight.send(self.worker, delta=-1)
        except ProviderError as exc:
            elapsed = time.monotonic() - started
            outcome = "retry" if exc.retryable else "error"
            events.provider_call_finished.send(
                self.worker, provider=batch.provider, outcome=outcome, seconds=elapsed
            )
            log.warning(
                "Batch %d: provider error after %.2fs: %s",
                batch.batch_index + 1,
                elapsed,
                exc,
                extra=log_context(batch, self.worker.owner),
            )
            return self._failure(batch.provider, exc, batch.id)
        except InterruptedError:
            return Failure("released", called=False)  # stopping while waiting for a slot
        elapsed = time.monotonic() - started
        events.provider_call_finished.send(
            self.worker, provider=batch.provider, outcome="ok", seconds=elapsed
        )
        return response, elapsed

    def _failure(self, name: str, exc: ProviderError, caller: int) -> Failure:
        """What a failed call means for its batch, and for its provider."""
        error = str(exc)
        if not exc.retryable or name in LOCAL:
            return Failure("retry" if exc.retryable else "fail", error, retry_after=exc.retry_after)
        breaker, limit = self.breakers[name], self.limit(name)
        if exc.status_code in THROTTLE_STATUSES:
            pause = exc.retry_after if exc.retry_after is not None else self.default_pause
            if limit.throttled(pause):
                events.provider_throttled.send(self.worker, provider=name)
            self._pause(name, pause, "rate-limited", error)
            if exc.status_code == 429:
                return Failure("postpone", error, pause)
        if breaker.record(False, caller):
            log.warning(
                "Provider %s paused: most recent calls failed (%s); probing every %.0fs",
                name,
                error,
                self.cooldown,
            )
            self._pause(name, self.cooldown, "outage", error)
        if breaker.open or self._down_for_everyone(name):
            return Failure("postpone", error, self.cooldown)
        if breaker.failing_together(caller):
            # Other batches failed too since the last success: the start of an outage that the
            # breaker is still counting. Wait without spending an attempt, so a batch spends at
            # most one on an outage; a batch that fails alone spends them as before.
            return Failure("postpone", error, exc.retry_after or self.default_pause)
        return Failure("retry", error, retry_after=exc.retry_after)

    def _down_for_everyone(self, name: str) -> bool:
        """Another process's breaker already found the provider down."""
        try:
            with self.worker.engine.begin() as conn:
                return name in shared.outages(conn)
        except Exception:
            return False

    def _pause(self, name: str, seconds: float, reason: str, error: str) -> None:
        try:
            with self.worker.engine.begin() as conn:
                shared.pause_provider(conn, name, seconds, reason, self.worker.redact(error))
        except Exception as exc:  # the pause is advice; the batch's own backoff still holds
            log.warning("Could not record the pause of %s: %s", name, exc)

    def probe_outages(self) -> list[str]:
        """Probe each provider down for every process whose pause ran out; lift those that
        answer. One process probes at a time; returns the providers found answering."""
        with self.worker.engine.begin() as conn:
            down = shared.outages(conn)
        back = []
        for name in down:
            with self.worker.engine.begin() as conn:
                if not shared.take_probe(conn, name, self.cooldown):
                    continue
            try:
                self.worker.provider(name).probe()  # type: ignore[attr-defined]
            except (ProviderError, ValueError, AttributeError) as exc:
                self._pause(name, self.cooldown, "outage", str(exc))
                continue
            with self.worker.engine.begin() as conn:
                shared.lift_pause(conn, name)
                queue.notify_new_work(conn, name)
            if name in self.breakers:
                self.breakers[name].reset()
            log.info("Provider %s answers again; its batches are claimed again", name)
            back.append(name)
        return back

    def figures(self) -> dict[str, dict[str, Any]]:
        """Concurrency per provider in this process, for /healthz and /metrics."""
        return {
            name: {
                "concurrency": lim.current,
                "maximum": lim.maximum,
                "in_flight": lim.in_flight,
                "adaptive": lim.adaptive,
                "throttles": lim.throttles,
                "breaker_open": self.breakers[name].open,
            }
            for name, lim in sorted(self.limits.items())
        }
