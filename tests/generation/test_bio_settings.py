"""Bio settings: the gender split of a batch, and invalid settings that name their field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avatar_data_generator.generation.bio_settings import (
    BioSettingsError,
    allocate_genders,
    validate_bio_settings,
)
from tests.generation.checks import FAST


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["female", "male", "non-binary"]), st.floats(0.01, 10), min_size=1
    ),
    st.integers(0, 200),
    st.floats(0, 0.999),
)
def test_gender_allocation_is_floor_or_ceiling(mix: dict[str, float], count: int, u: float) -> None:
    counts = allocate_genders({"gender_mix": mix}, count, u)
    assert sum(counts.values()) == count
    total = sum(mix.values())
    for gender, n in counts.items():
        exact = mix[gender] / total * count
        assert exact - 1 <= n <= exact + 1


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"platforms": {"myspace": 100}}, "platforms"),
        ({"platforms": {"x": 5}}, "platforms.x"),
        ({"age_min": 50, "age_max": 20}, "age_min"),
        ({"age_min": 5}, "age_min"),
        ({"gender_mix": {"robot": 1}}, "gender_mix"),
        ({"gender_mix": {"female": 0}}, "gender_mix"),
        ({"tone": "  "}, "tone"),
        ({"emoji": "maybe"}, "emoji"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_settings_name_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(BioSettingsError) as caught:
        validate_bio_settings(raw)
    assert caught.value.field == field
