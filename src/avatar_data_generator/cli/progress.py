"""The progress line of `submit --wait` and `export -o`: a live bar on a terminal, plain lines
when piped."""

from __future__ import annotations

import sys
import time

import click


class Progress:
    """A live bar (done of asked, rate, time left) on a terminal; plain lines when piped."""

    def __init__(self, total: int, label: str) -> None:
        self.total = max(total, 1)
        self.label = label
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_line = ""

    def show(self, done: int, status: str = "") -> None:
        """Show `done` (and the status word)."""
        if self.tty:
            self._draw(done, status)
            return
        line = f"{self.label}: {done}/{self.total} {status}".rstrip()
        if line != self.last_line:
            click.echo(line, err=True)
            self.last_line = line

    def _draw(self, done: int, status: str) -> None:
        """Redraw the bar in place."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 and done < self.total else 0.0
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r{self.label} [{bar}] {done}/{self.total} {rate:,.1f}/s ETA {left:,.0f}s {status}"
        click.echo(line.ljust(len(self.last_line)), nl=False, err=True)
        self.last_line = line

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            click.echo("", err=True)
