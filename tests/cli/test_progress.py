"""The progress line: piped, it writes a plain line only when the line changes."""

from __future__ import annotations

import pytest

from avatar_data_generator.cli.progress import Progress


def test_piped_progress_writes_each_new_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(10, "task 1234")
    for done in (0, 3, 3, 3, 10):
        progress.show(done)
    progress.show(10, "completed")
    progress.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "task 1234: 0/10",
        "task 1234: 3/10",
        "task 1234: 10/10",
        "task 1234: 10/10 completed",
    ]
