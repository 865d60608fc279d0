"""The drawing primitives: the compiled binary search finds what bisect.bisect_right finds."""

from __future__ import annotations

from bisect import bisect_right

from hypothesis import given
from hypothesis import strategies as st

from avatar_data_generator.generation.population.draw import Cumulative, bisect_floats, cumulate

unit = st.floats(0.0, 1.0, allow_nan=False)


@given(st.lists(unit, max_size=60), unit)
def test_bisect_floats_equals_bisect_right(values: list[float], x: float) -> None:
    cum = tuple(sorted(values))
    assert bisect_floats(cum, x) == bisect_right(cum, x)


@given(st.lists(unit, min_size=1, max_size=30))
def test_ties_and_ends_go_right_as_bisect_right_does(values: list[float]) -> None:
    cum = tuple(sorted(values))
    for x in (*cum, 0.0, 1.0, -1.0, 2.0):  # every entry itself: equal values go to the right
        assert bisect_floats(cum, x) == bisect_right(cum, x)


def test_a_cumulative_table_picks_by_its_intervals() -> None:
    table = Cumulative(("a", "b", "c"), (1.0, 0.0, 3.0))  # b has no weight: never drawn
    assert [table.pick(u) for u in (0.0, 0.2499, 0.25, 0.9999)] == ["a", "a", "c", "c"]
    assert cumulate((1.0, 1.0, 2.0)) == (0.25, 0.5, 1.0)
