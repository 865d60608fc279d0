"""The batch completer: threads per process that store finished batches, many at a time.

Batch threads hand their results over and move on; a completer thread stores everything waiting
in one transaction and one statement (`queue.finish_batches`), as River's batch completer does.
While a statement runs, the next results gather, so under load a commit serves many batches,
and when batches are rare it serves one, as soon as it arrives.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from typing import TypeVar

from sqlalchemy.engine import Engine

from avatar_data_generator import queue
from avatar_data_generator.queue import BatchResult, FinishedBatch

log = logging.getLogger(__name__)

#: Most batches stored by one statement: bounds its size (and a batch of 100 personas is 150 kB).
MAX_GROUP = 32

#: Completer threads per process. Two let one group be stored while the next gathers and keep
#: two server backends busy with 100-persona batches. One process, alternating runs: 200 tasks of
#: 100 personas in batches of 10, 7,400-7,550 personas/s with one thread, 8,260-8,900 with two,
#: 7,770-8,550 with four (5,250-5,530 before the completer); 40 tasks of 1,000 in batches of 100,
#: 12,690-12,730 with one and 12,660-13,970 with two (12,800-13,600 before). Two workers on
#: 4,000 one-persona tasks: 3,110-3,660 tasks/s with two, 3,180-3,380 with one.
THREADS = 2

_Item = tuple[BatchResult, "Future[FinishedBatch | None]"]
_T = TypeVar("_T")


def gather(waiting: SimpleQueue[_T | None], into: list[_T], limit: int) -> bool:
    """Move what `waiting` holds into `into`, without waiting, until it holds `limit`; True if a
    stop mark (None) came: everything was queued before it, so there is nothing left to take."""
    while len(into) < limit:
        try:
            item = waiting.get_nowait()
        except Empty:
            return False
        if item is None:
            return True
        into.append(item)
    return False


class BatchCompleter:
    """Stores batches for one lease owner, in the order they were handed over."""

    def __init__(
        self, engine: Engine, owner: str, threads: int = THREADS, max_group: int = MAX_GROUP
    ) -> None:
        self.engine = engine
        self.owner = owner
        self.threads = max(1, threads)
        self.max_group = max(1, max_group)
        self._queue: SimpleQueue[_Item | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False
        #: Groups and batches stored (counted under the lock: several threads store).
        self.groups = 0
        self.batches = 0

    def submit(self, result: BatchResult) -> Future[FinishedBatch | None]:
        """Queue one batch to be stored (fenced); the future gives None if the lease was lost.

        After `close` (shutdown) the batch is stored at once, on the calling thread.
        """
        future: Future[FinishedBatch | None] = Future()
        with self._lock:
            closed = self._closed
            if not closed:
                if not self._threads:
                    self._threads = [
                        threading.Thread(target=self._run, name="avatar-completer", daemon=True)
                        for _ in range(self.threads)
                    ]
                    for thread in self._threads:
                        thread.start()
                self._queue.put((result, future))
        if closed:
            self._store([(result, future)])
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Store what has been handed over, then stop the threads; later batches store inline."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = self._threads
            for _ in threads:
                self._queue.put(None)  # one stop mark per thread, behind every batch
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        held: list[_Item] = []  # batches of a task already in the last group: next group's first
        closing = False
        while True:
            waiting = held
            held = []
            if not waiting and not closing:
                item = self._queue.get()
                if item is None:
                    closing = True
                else:
                    waiting.append(item)
            if not closing:
                closing = gather(self._queue, waiting, self.max_group * 2)
            if not waiting:
                if closing:
                    return
                continue
            group: list[_Item] = []
            tasks: set[str] = set()
            for item in waiting:
                task_id = item[0].batch.task_id
                if task_id in tasks or len(group) >= self.max_group:
                    held.append(item)
                else:
                    tasks.add(task_id)
                    group.append(item)
            self._store(group)

    def _store(self, group: list[_Item]) -> None:
        """Store a group in one transaction; if that fails, each batch alone, so that one bad
        batch (or a deadlock victim) cannot fail its neighbours."""
        try:
            with self.engine.begin() as conn:
                outcomes = queue.finish_batches(conn, self.owner, [r for r, _ in group])
        except Exception as exc:
            if len(group) == 1:
                group[0][1].set_exception(exc)
                return
            log.warning(
                "Storing %d batches together failed (%s); storing each alone", len(group), exc
            )
            for item in group:
                self._store([item])
            return
        with self._lock:
            self.groups += 1
            self.batches += len(group)
        for (_, future), outcome in zip(group, outcomes, strict=True):
            future.set_result(outcome)
