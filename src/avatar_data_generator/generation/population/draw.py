"""Inverse-CDF drawing from one uniform source, so a seed gives the same draws everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
Rand = Callable[[], float]


def bisect_floats(cum: tuple[float, ...], x: float) -> int:
    """bisect.bisect_right on a tuple of floats, the same index: compiled, it makes no generic
    call and compares doubles, not objects."""
    lo, hi = 0, len(cum)
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < cum[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


class Cumulative:
    """Values with their cumulative weights; `pick(u)` maps a uniform u in [0, 1) to a value."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, values: Sequence[T], weights: Iterable[float]) -> None:
        run = 0.0
        cum: list[float] = []
        kept: list[object] = []
        for value, weight in zip(values, weights, strict=True):
            if weight > 0:
                run += weight
                cum.append(run)
                kept.append(value)
        if not kept:
            raise ValueError("no positive weight")
        self.values: tuple[object, ...] = tuple(kept)
        self.total = run
        self.cum: tuple[float, ...] = tuple(c / run for c in cum)

    def pick(self, u: float) -> object:
        """The value whose cumulative interval holds u."""
        i = bisect_floats(self.cum, u)
        return self.values[i if i < len(self.values) else -1]

    def index(self, u: float) -> int:
        """The index (into `values`) whose cumulative interval holds u."""
        i = bisect_floats(self.cum, u)
        return i if i < len(self.values) else len(self.values) - 1

    def __len__(self) -> int:
        return len(self.values)


def cumulate(weights: Iterable[float]) -> tuple[float, ...]:
    """Normalised running sums of non-negative weights (the last one is 1.0)."""
    run = 0.0
    out: list[float] = []
    for w in weights:
        run += max(w, 0.0)
        out.append(run)
    if run <= 0:
        raise ValueError("no positive weight")
    return tuple(c / run for c in out)


def pick_index(cum: tuple[float, ...], u: float) -> int:
    """Index of the interval of a normalised cumulative tuple that holds u."""
    i = bisect_floats(cum, u)
    return i if i < len(cum) else len(cum) - 1
