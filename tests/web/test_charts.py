"""The dashboard's chart geometry: bucket series with their gaps filled, a nice axis, bars."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from avatar_data_generator.web import charts

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("peak", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (21, 25), (2400, 2500)]
)
def test_the_axis_ends_at_a_nice_number(peak: float, top: float) -> None:
    assert charts._nice(peak) == top


def test_a_series_fills_the_buckets_nobody_wrote() -> None:
    hour = int(NOW.timestamp()) // 3600
    points = charts.series([(hour, 7), (hour - 2, 3), (None, 99)], 3600, 4, NOW)
    assert [value for _at, value in points] == [0.0, 3.0, 0.0, 7.0]
    assert points[-1][0] == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_a_chart_lays_out_one_bar_per_point_inside_the_box() -> None:
    points = charts.series([], 900, 96, NOW)
    empty = charts.chart(points, "area", "tasks waiting")
    assert empty["empty"] and len(empty["bars"]) == 96 and empty["total"] == 0
    full = charts.chart([(NOW, 3.0), (NOW, 5.0)], "bars", "personas")
    assert full["peak"] == 5.0 and full["total"] == 8.0
    assert [tick["label"] for tick in full["ticks"]] == ["0", "2.5", "5"]
    for bar in full["bars"]:
        assert full["left"] <= bar["x"] and bar["x"] + bar["w"] <= full["right"]
        assert bar["y"] + bar["h"] == pytest.approx(full["base"], abs=0.2)
    assert full["bars"][1]["label"] == "12:30 UTC: 5 personas"
