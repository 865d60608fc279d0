"""How hard this process pushes each provider: adaptive concurrency and an outage breaker.

Additive increase, multiplicative decrease, as NeMo Data Designer does: a 429 or 503 cuts the
provider's concurrency (once per burst: the calls already in flight come back 429 too) to three
quarters, or lower, to what the provider actually served lately (successes a second x seconds a
call), so that one cut finds the level a rate limit allows instead of four or five; a run of
successes (as many as the limit, one round) adds one call, never above MULTITHREAD_FLOWISE. Near
the concurrency where it was last cut it climbs far more slowly: every cut also pauses the
provider for its Retry-After, which costs more than the call it would gain.

The breaker watches the provider's last calls: when most of them failed for reasons worth
retrying (connection refused, 5xx, timeouts), the provider is paused for every process until a
probe finds it answering; no attempt of a batch is spent meanwhile.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

#: Multiplicative decrease on a 429 or 503 (at least this much).
DECREASE = 0.75
#: Near the last cut, a step up waits for this many rounds of successes instead of one.
CAUTION_ROUNDS = 120
#: How far back successes count for "what the provider served lately".
RATE_WINDOW_SECONDS = 3.0


class AdaptiveLimit:
    """Calls one provider may have in flight in this process, adapted to its 429s."""

    def __init__(self, maximum: int, adaptive: bool = True) -> None:
        self.maximum = max(1, maximum)
        self.adaptive = adaptive
        self.limit = float(self.maximum)
        self.ceiling: float | None = None
        self.in_flight = 0
        self.throttles = 0
        self._streak = 0
        self._cut_until = 0.0
        self._served: deque[float] = deque(maxlen=4096)
        self._seconds: float | None = None
        self._cond = threading.Condition()

    @property
    def current(self) -> int:
        """Calls allowed in flight now."""
        return max(1, int(self.limit))

    def acquire(self, stop: threading.Event | None = None) -> None:
        """Wait for room for one more call; InterruptedError if the worker stops meanwhile."""
        with self._cond:
            while self.in_flight >= self.current:
                if stop is not None and stop.is_set():
                    raise InterruptedError("worker is stopping")
                self._cond.wait(0.1)
            self.in_flight += 1

    def release(self) -> None:
        """A call ended."""
        with self._cond:
            self.in_flight -= 1
            self._cond.notify()

    def succeeded(self, seconds: float) -> None:
        """One more success: after a round of them, one call more."""
        now = time.monotonic()
        with self._cond:
            self._served.append(now)
            last = self._seconds
            self._seconds = seconds if last is None else 0.8 * last + 0.2 * seconds
            if not self.adaptive:
                return
            self._streak += 1
            rounds = 1
            if self.ceiling is not None and self.limit + 1 >= self.ceiling:
                rounds = CAUTION_ROUNDS
            if self._streak >= self.current * rounds and self.limit < self.maximum:
                self.limit = min(float(self.maximum), math.floor(self.limit) + 1.0)
                self._streak = 0
                self._cond.notify_all()

    def served(self) -> float | None:
        """Calls the provider served lately at the usual speed: successes a second x seconds a
        call (None without enough history)."""
        now = time.monotonic()
        recent = [t for t in self._served if now - t <= RATE_WINDOW_SECONDS]
        if len(recent) < 5 or self._seconds is None:
            return None
        span = max(now - recent[0], self._seconds, 0.5)
        return len(recent) / span * self._seconds

    def throttled(self, pause: float) -> bool:
        """A 429 or 503: cut, once for a whole burst; True if this one cut."""
        if not self.adaptive:
            return False
        now = time.monotonic()
        with self._cond:
            self._streak = 0
            if now < self._cut_until:
                return False  # a call that was in flight when the first 429 came back
            served = self.served()
            target = self.limit * DECREASE
            self.ceiling = self.limit
            if served is not None and served < target:
                # What it served is what it can: climb above that only with caution.
                target = max(1.0, math.floor(served))
                self.ceiling = target + 1
            self.limit = max(1.0, target)
            self.throttles += 1
            # The burst is over once the calls in flight now have come back, or the pause ends.
            self._cut_until = now + max(pause, self._seconds or 1.0, 1.0)
            return True


class Breaker:
    """Opens when most of a provider's recent calls failed for reasons worth retrying."""

    def __init__(self, window: int = 10, ratio: float = 0.5, minimum: int = 5) -> None:
        self.window = max(1, window)
        self.ratio = ratio
        self.minimum = max(1, min(minimum, self.window))
        self._outcomes: deque[bool] = deque(maxlen=self.window)
        #: Who made each failed call of the window's trailing run of failures (batch ids).
        self._failing: deque[int] = deque(maxlen=self.window)
        self._lock = threading.Lock()
        #: When the last failure was counted (monotonic seconds).
        self._failed_at = -math.inf
        #: This process believes the provider is down (set on opening, cleared by a success).
        self.open = False

    def record(self, ok: bool, caller: int | None = None, started: float | None = None) -> bool:
        """Count a call's outcome (`caller`: the batch that made it; `started`: when a
        successful call began, monotonic); True when this failure opens the breaker."""
        with self._lock:
            self._outcomes.append(ok)
            if ok:
                self.open = False
                # A call sent before the last failure says nothing about the provider now (it
                # was answered before the outage began): only a later one ends the run.
                if started is None or started >= self._failed_at:
                    self._failing.clear()
                return False
            self._failed_at = time.monotonic()
            self._failing.append(-1 if caller is None else caller)
            failures = self._outcomes.count(False)
            if self.open or failures < self.minimum:
                return False
            if failures / len(self._outcomes) >= self.ratio:
                self.open = True
                return True
            return False

    def failing_together(self, caller: int) -> bool:
        """Whether calls of other batches failed too since the last success: the start of an
        outage rather than one batch's trouble."""
        with self._lock:
            return any(other != caller for other in self._failing)

    def reset(self) -> None:
        """The provider answers again (a probe succeeded)."""
        with self._lock:
            self.open = False
            self._outcomes.clear()
            self._failing.clear()
