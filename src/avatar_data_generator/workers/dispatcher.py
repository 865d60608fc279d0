"""The dispatcher: one thread that keeps up to MULTITHREAD_FLOWISE batches running."""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from avatar_data_generator import queue
from avatar_data_generator.queue import ClaimedBatch
from avatar_data_generator.workers.completer import MAX_GROUP
from avatar_data_generator.workers.runner import Worker

log = logging.getLogger(__name__)


#: Batches that run quicker than this on average (the local provider) are claimed a completer
#: group's worth ahead (CLAIM_AHEAD more than the threads), and refilled with one claim once that
#: queue has drained: one claim and one finishing statement then serve up to 32 batches each
#: (2 workers on 4,000 one-persona tasks: 2,840-3,220 tasks/s against 1,830-1,990 with a thread's
#: worth ahead), and a queued batch waits for milliseconds only. Slower batches (a model's call
#: takes seconds) are claimed for free threads only, so none waits under this process's lease
#: while another process could start it.
FAST_BATCH_SECONDS = 0.05
CLAIM_AHEAD = MAX_GROUP


class Dispatcher:
    """Waits on an event set by NOTIFY, by a finished batch and by the scheduler tick.

    Each wake it claims as many batches as it has free threads (plus a completer group ahead
    while batches are fast), so a wake-up during a busy moment is never lost and a freed thread is
    refilled at once, not at the next tick.
    """

    def __init__(self, worker: Worker, threads: int, poll_interval: float) -> None:
        self.worker = worker
        self.threads = max(1, threads)
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="avatar-batch")
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="avatar-dispatcher", daemon=True)
        self.claims = 0
        #: Moving average of how long a batch runs, queueing excluded; None before the first.
        self.batch_seconds: float | None = None
        worker.on_reclaimed.append(self.wake)
        worker.on_batch_done.append(self.wake)  # a batch stored or ended: room for another

    def start(self) -> None:
        """Start the heartbeat and the dispatcher thread."""
        self.worker.start_heartbeat()
        self._thread.start()
        self.wake()

    def wake(self) -> None:
        """Ask the dispatcher to look for work now."""
        self._wake.set()

    def busy(self) -> int:
        """Batches this process holds: queued, running, or waiting to be stored."""
        return len(self.worker.in_flight())

    def capacity(self) -> int:
        """Batches to hold: one per thread (fewer while a provider's adaptive concurrency allows
        less, so that no batch waits here that another process could run), and a completer group
        more while batches are fast."""
        fast = self.batch_seconds is not None and self.batch_seconds < FAST_BATCH_SECONDS
        if fast:
            return self.threads + CLAIM_AHEAD
        return self.worker.calls.capacity(self.threads)

    def _run_timed(self, batch: ClaimedBatch) -> None:
        started = time.monotonic()
        try:
            self.worker.run_batch(batch)
        finally:
            elapsed = time.monotonic() - started
            with self._lock:
                last = self.batch_seconds
                self.batch_seconds = elapsed if last is None else 0.8 * last + 0.2 * elapsed

    def _run(self) -> None:
        failures = 0
        while not self.worker.stopping.is_set():
            timeout = self.poll_interval
            self._wake.wait(timeout)
            self._wake.clear()
            if self.worker.stopping.is_set():
                break
            capacity, busy = self.capacity(), self.busy()
            free = capacity - busy
            if free <= 0 or (capacity > self.threads and busy > self.threads):
                continue  # claiming ahead: refill with one claim once the queue has drained
            try:
                claimed = self.worker.claim(free)
                failures = 0
            except Exception as exc:
                failures += 1
                log.error("[ERROR] Error fetching pending task: %s", exc)
                self.worker.stopping.wait(min(30.0, 0.5 * 2**failures))
                self._wake.set()
                continue
            self.claims += len(claimed)
            for batch in claimed:
                self._pool.submit(self._run_timed, batch)
            if len(claimed) == free:
                self._wake.set()  # there may be more waiting
            elif not claimed:
                self._schedule_next_retry()

    def _schedule_next_retry(self) -> None:
        """After an empty claim, wake when waiting work becomes claimable, not at the next tick.

        Work claimable now although the claim got none means another process's claim held
        those rows at that instant: look again shortly (jittered, so racers spread out).
        """
        if self.worker.stopping.is_set():
            return
        try:
            with self.worker.engine.connect() as conn:
                seconds = queue.next_available_in(conn)
        except Exception:
            return
        if seconds is None or seconds >= self.poll_interval:
            return
        delay = seconds + 0.01 if seconds > 0 else 0.02 + random.random() * 0.05
        timer = threading.Timer(delay, self.wake)
        timer.daemon = True
        timer.start()

    def stop(self, graceful_timeout: float) -> None:
        """Stop claiming, let running batches finish within the timeout, release the rest."""
        self.worker.stopping.set()
        self._wake.set()
        deadline = time.monotonic() + graceful_timeout
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.busy():
            try:
                self.worker.release_all()
            except Exception as exc:
                log.error(
                    "[ERROR] Could not release leases at shutdown (%s); they will expire", exc
                )
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.worker.stop()
        self._thread.join(timeout=2)
