"""Hypothesis at the edges: bio settings validation and the persona parser never surprise."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar_data_generator.generation.bio_settings import (
    PLATFORM_LIMITS,
    BioSettingsError,
    validate_bio_settings,
)
from avatar_data_generator.generation.parse import parse_items

json_leaf = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = [
    "platforms",
    "tone",
    "language",
    "emoji",
    "hashtags",
    "age_min",
    "age_max",
    "gender_mix",
    "countries",
    "locale",
]
platforms = st.dictionaries(
    st.sampled_from([*PLATFORM_LIMITS, "myspace", ""]) | st.text(max_size=8),
    st.integers(-5, 10_000) | json_leaf,
    max_size=6,
)
bio_settings = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_value, max_size=6),
    st.fixed_dictionaries(
        {},
        optional={
            "platforms": platforms,
            "age_min": st.integers(-10, 200) | json_leaf,
            "age_max": st.integers(-10, 200) | json_leaf,
            "gender_mix": st.dictionaries(
                st.text(max_size=12), st.floats() | json_leaf, max_size=4
            ),
            "countries": st.lists(st.text(max_size=20), max_size=4) | json_value,
            "tone": st.text(max_size=300) | json_leaf,
            "emoji": json_leaf,
        },
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bio_settings)
def test_bio_settings_are_valid_or_a_bio_settings_error(raw: Any) -> None:
    try:
        result = validate_bio_settings(raw)
    except BioSettingsError as exc:
        assert exc.field and str(exc)
        return
    assert isinstance(result, dict)
    json.dumps(result)  # storable as JSON
    assert set(result["platforms"]) <= set(PLATFORM_LIMITS)
    assert result["age_min"] <= result["age_max"]
    assert validate_bio_settings(result) == result  # valid settings stay as they are


persona_like = st.fixed_dictionaries(
    {"first_name": st.text(max_size=10), "last_name": st.text(max_size=10)},
    optional={"date_of_birth": st.text(max_size=12), "bios": json_value},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        json_value,
        st.text(max_size=200),
        st.lists(persona_like, max_size=3).map(lambda ps: {"personas": ps}),
        st.tuples(
            st.text(max_size=20), st.lists(persona_like, max_size=3), st.integers(0, 100)
        ).map(
            lambda t: (t[0] + "```json\n" + json.dumps({"personas": t[1]}))[: len(t[0]) + 8 + t[2]]
        ),
    )
)
def test_persona_parser_returns_a_list_for_any_answer(payload: Any) -> None:
    items, repaired = parse_items(payload)
    assert isinstance(items, list)
    assert isinstance(repaired, bool)
