"""What real LLM servers do under load: a token-bucket rate limit that answers 429 Retry-After."""

from __future__ import annotations

import math
import threading
import time


class TokenBucket:
    """`rate` requests a second, bursts of up to `rate`; beyond it, how long until the next."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float | None:
        """None if the request may go; else the seconds until it could (for Retry-After)."""
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return None
            return (1 - self.tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    """HTTP's Retry-After holds whole seconds."""
    return str(max(1, math.ceil(seconds)))
