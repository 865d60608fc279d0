"""Small server-drawn SVG charts: a series of (time, value) points laid out in a 600 x 180 box."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

WIDTH, HEIGHT = 600, 180
LEFT, BOTTOM, TOP, RIGHT = 36, 22, 10, 6


def series(
    rows: Iterable[Any], seconds: int, count: int, now: datetime
) -> list[tuple[datetime, float]]:
    """The last `count` buckets of `seconds` up to `now`, from (bucket, value) rows; gaps are 0.

    A bucket is a whole number of `seconds` since the epoch, as the dashboard's queries group.
    """
    values = {int(bucket): float(value or 0) for bucket, value in rows if bucket is not None}
    last = int(now.timestamp()) // seconds
    return [
        (datetime.fromtimestamp(b * seconds, UTC), values.get(b, 0.0))
        for b in range(last - count + 1, last + 1)
    ]


def _nice(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value`: the axis top."""
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


def _bars(
    points: list[tuple[datetime, float]], scale_max: float, unit: str
) -> list[dict[str, Any]]:
    """One bar (and line point) per value."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    step = plot_w / max(1, len(points))
    bars = []
    for i, (at, value) in enumerate(points):
        h = plot_h * value / scale_max
        bars.append(
            {
                "x": round(LEFT + i * step, 1),
                "w": round(max(1.0, step - 2), 1),
                "y": round(TOP + plot_h - h, 1),
                "h": round(h, 1),
                "cx": round(LEFT + i * step + step / 2, 1),
                "value": value,
                "label": f"{at:%H:%M} UTC: {value:g} {unit}",
            }
        )
    return bars


def chart(series: list[tuple[datetime, float]], kind: str, unit: str) -> dict[str, Any]:
    """Coordinates for a small server-drawn SVG chart (viewBox 600 x 180)."""
    plot_h = HEIGHT - BOTTOM - TOP
    base = TOP + plot_h
    peak = max([v for _, v in series] + [0])
    scale_max = max(1, _nice(peak))
    n = max(1, len(series))
    items = _bars(series, scale_max, unit)
    points = " ".join(f"{it['cx']},{it['y']}" for it in items)
    area = f"{items[0]['cx']},{base} {points} {items[-1]['cx']},{base}" if items else ""
    ticks = [{"y": round(base - plot_h * f, 1), "label": f"{scale_max * f:g}"} for f in (0, 0.5, 1)]
    xlabels = [
        {"x": it["cx"], "label": series[i][0].strftime("%H:%M")}
        for i, it in enumerate(items)
        if i % max(1, n // 6) == 0
    ]
    return {
        "kind": kind,
        "bars": items,
        "points": points,
        "area": area,
        "ticks": ticks,
        "xlabels": xlabels,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "base": base,
        "right": WIDTH - RIGHT,
        "empty": peak == 0,
        "peak": peak,
        "total": sum(v for _, v in series),
    }
