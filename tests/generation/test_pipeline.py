"""Validation: property tests (hypothesis) and the cases models get wrong."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from avatar_data_generator.generation.base import ProviderResponse
from avatar_data_generator.generation.graphemes import grapheme_count
from avatar_data_generator.generation.pipeline import validate_batch
from tests.generation.checks import (
    FAST,
    assert_valid_personas,
    bio_st,
    persona,
    request_for,
    text_st,
)

raw_item_st = st.one_of(
    st.builds(
        persona,
        st.integers(0, 3),
        gender=st.sampled_from(["female", "Male", "nb", "robot", "F"]),
        date_of_birth=st.one_of(
            st.dates(date(1900, 1, 1), date(2030, 1, 1)).map(str), st.just("yesterday")
        ),
        email=st.one_of(st.emails().map(str), text_st),
        username=text_st,
        first_name=st.one_of(text_st, st.just("José"), st.just("Jose")),
        bios=st.dictionaries(
            st.sampled_from(["x", "twitter", "tiktok", "myspace", "linkedin"]), bio_st
        ),
        interests=st.one_of(st.lists(text_st, max_size=4), text_st),
    ),
    st.integers(),
    st.none(),
    st.dictionaries(text_st, text_st, max_size=3),
)


@FAST
@given(st.lists(raw_item_st, max_size=12), st.sampled_from([30, 80, 160]))
def test_validate_batch_only_ever_keeps_valid_distinct_personas(
    items: list[Any], limit: int
) -> None:
    request = request_for(10, platforms={"x": limit, "tiktok": limit})
    outcome = validate_batch(request, ProviderResponse(items=items))
    assert len(outcome.personas) <= 10
    assert_valid_personas(outcome.personas, {"x": limit, "tiktok": limit})
    q = outcome.quality
    assert q["received"] == len(items) and q["valid"] == len(outcome.personas)
    assert sum(q["gender"].values()) == len(outcome.personas)
    assert sum(q["rejected"].values()) + q["duplicates_dropped"] + q["valid"] <= len(items)


def test_emails_and_ages_are_fixed() -> None:
    request = request_for(3)
    raw = [persona(1, age=7, email="Ana@Gmail.com"), persona(2, email="x@example.org")]
    personas = validate_batch(request, ProviderResponse(items=raw)).personas
    assert personas[0]["email"] == "ana@example.com"
    assert personas[1]["email"] == "x@example.org"
    assert personas[0]["age"] != 7 and personas[0]["synthetic"] is True


def test_bios_trimmed_dropped_and_aliased() -> None:
    request = request_for(1, platforms={"x": 20, "tiktok": 10})
    raw = persona(1, bios={"twitter": "word " * 30, "tiktok": "🎉" * 50, "myspace": "old"})
    outcome = validate_batch(request, ProviderResponse(items=[raw]))
    bios = outcome.personas[0]["bios"]
    assert set(bios) == {"x", "tiktok"}
    assert grapheme_count(bios["x"]) <= 20 and grapheme_count(bios["tiktok"]) == 10
    assert outcome.quality["bios_trimmed"] == 2 and outcome.quality["bios_dropped"] == 1


def test_duplicates_within_a_batch_are_dropped() -> None:
    raw = [
        persona(1),
        persona(1, username="other1"),  # same name + birth date
        persona(2, username="ana_1"),  # same username
        persona(3, email="ana1@gmail.com"),  # same e-mail once rewritten
        persona(4),
    ]
    outcome = validate_batch(request_for(10), ProviderResponse(items=raw))
    assert len(outcome.personas) == 2 and outcome.quality["duplicates_dropped"] == 3


def test_rejections_name_their_reason() -> None:
    raw = [persona(1, gender="robot"), {"first_name": "x"}, "nope", persona(2, interests=[])]
    raw.append(persona(3, date_of_birth=str(date.today().replace(year=date.today().year - 5))))
    quality = validate_batch(request_for(5), ProviderResponse(items=raw)).quality
    assert quality["rejected"] == {
        "invalid_gender": 1,
        "missing_last_name": 1,
        "not_an_object": 1,
        "invalid_interests": 1,
        "age_out_of_range": 1,
    }


def test_usernames_get_a_number_suffix() -> None:
    outcome = validate_batch(
        request_for(1), ProviderResponse(items=[persona(1, username="@ana lo")])
    )
    username = outcome.personas[0]["username"]
    assert username.startswith("ana_lo") and username[-4:].isdigit()
