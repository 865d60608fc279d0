"""Template helpers: relative times, durations, status words and icons, grapheme counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import regex
from flask import Flask

#: status -> (word, icon, css modifier)
STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    "pending": ("Pending", "◷", "pending"),
    "generating-data": ("Generating", "↻", "generating"),
    "data-generated": ("Data generated", "◆", "generated"),
    "generating-avatars": ("Generating avatars", "◆", "generated"),
    "completed": ("Completed", "✓", "completed"),
    "failed": ("Failed", "✕", "failed"),
    "cancelled": ("Cancelled", "■", "cancelled"),
}
FINISHED = ("completed", "failed", "cancelled")


def status_label(status: str) -> tuple[str, str, str]:
    """Word, icon and css modifier of a status."""
    return STATUS_LABELS.get(status, (status.replace("-", " ").capitalize(), "•", "pending"))


def _aware(value: datetime) -> datetime:
    """A naive datetime read as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def utc_exact(value: datetime | None) -> str:
    """The exact time in UTC, for a tooltip."""
    if value is None:
        return ""
    return _aware(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(value: datetime | None) -> str:
    """ISO 8601 for a <time datetime=…> attribute."""
    return _aware(value).astimezone(UTC).isoformat(timespec="seconds") if value else ""


def relative(value: datetime | None, now: datetime | None = None) -> str:
    """ "2 min ago" style."""
    if value is None:
        return "—"
    now = now or datetime.now(UTC)
    seconds = int((now - _aware(value)).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 10:
        return "just now"
    if seconds < 60:
        text = f"{seconds} s"
    elif seconds < 3600:
        text = f"{seconds // 60} min"
    elif seconds < 86400:
        text = f"{seconds // 3600} h"
    else:
        days = seconds // 86400
        text = f"{days} day{'s' if days != 1 else ''}"
    return f"in {text}" if future else f"{text} ago"


def duration(seconds: float | None) -> str:
    """ "1m 12s" style."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f}s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def task_seconds(task: Any, now: datetime | None = None) -> float | None:
    """How long a task has run (until now while it runs)."""
    if task.started_at is None:
        return None
    end = task.finished_at or (None if task.status in FINISHED else (now or datetime.now(UTC)))
    if end is None:
        return None
    return (_aware(end) - _aware(task.started_at)).total_seconds()


def graphemes(text: Any) -> int:
    """Characters a person sees."""
    return len(regex.findall(r"\X", str(text or "")))


def pretty_json(value: Any) -> str:
    """Compact, readable JSON for small nested values (escaped by Jinja when shown)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1, default=str)


def number(value: Any) -> str:
    """Thousands separators."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.add_template_filter(relative, "relative")
    app.add_template_filter(utc_exact, "utc")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(graphemes, "graphemes")
    app.add_template_filter(pretty_json, "pretty_json")
    app.add_template_filter(number, "number")
    app.add_template_global(status_label, "status_label")
    app.add_template_global(task_seconds, "task_seconds")
    app.jinja_env.globals["FINISHED"] = FINISHED
