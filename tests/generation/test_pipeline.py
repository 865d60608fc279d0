"""Parser and validators: property tests (hypothesis) and the cases models get wrong."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse
from avatar_data_generator.generation.bio_settings import (
    BioSettingsError,
    allocate_genders,
    default_bio_settings,
    validate_bio_settings,
)
from avatar_data_generator.generation.http import classify_response, retry_after_seconds
from avatar_data_generator.generation.pipeline import (
    dedupe_key,
    grapheme_count,
    is_reserved_email,
    parse_items,
    reserved_email,
    trim_to_graphemes,
    validate_batch,
)
from tests.generation.checks import assert_valid_personas

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text_st = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)
emoji_st = st.sampled_from(["👍🏽", "👨‍👩‍👧", "🇩🇪", "é", "e\u0301", "字", "a", " ", "#", "✨"])
bio_st = st.lists(st.one_of(emoji_st, text_st), max_size=30).map("".join)


def persona(n: int, **over: Any) -> dict[str, Any]:
    """A well-formed raw persona."""
    base = {
        "first_name": f"Ana{n}",
        "last_name": "López",
        "gender": "female",
        "date_of_birth": (date(1990, 1, 1) + timedelta(days=n)).isoformat(),
        "country": "Spain",
        "city": "Madrid",
        "nationality": "Spanish",
        "occupation": "nurse",
        "education": "BSc",
        "interests": ["chess"],
        "personality": "calm",
        "username": f"ana_{n}",
        "email": f"ana{n}@gmail.com",
        "bios": {"x": "hola", "instagram": "hi"},
    }
    base.update(over)
    return base


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


def _request(count: int, **settings_over: Any) -> BatchRequest:
    return BatchRequest(
        "t", 0, count, "en", validate_bio_settings(default_bio_settings() | settings_over)
    )


@FAST
@given(st.lists(raw_item_st, max_size=12), st.sampled_from([30, 80, 160]))
def test_validate_batch_only_ever_keeps_valid_distinct_personas(
    items: list[Any], limit: int
) -> None:
    request = _request(10, platforms={"x": limit, "tiktok": limit})
    outcome = validate_batch(request, ProviderResponse(items=items))
    assert len(outcome.personas) <= 10
    assert_valid_personas(outcome.personas, {"x": limit, "tiktok": limit})
    q = outcome.quality
    assert q["received"] == len(items) and q["valid"] == len(outcome.personas)
    assert sum(q["gender"].values()) == len(outcome.personas)
    assert sum(q["rejected"].values()) + q["duplicates_dropped"] + q["valid"] <= len(items)


@FAST
@given(st.lists(st.integers(0, 500), min_size=1, max_size=8, unique=True))
def test_every_wrapping_parses_back(ns: list[int]) -> None:
    items = [persona(n) for n in ns]
    body = json.dumps({"personas": items}, ensure_ascii=False)
    for payload in (
        {"personas": items},
        items,
        body,
        json.dumps(items),
        f"```json\n{body}\n```",
        f"Sure, here they are:\n```\n{body}\n```\nAnything else?",
        f"Here you go: {body} Enjoy!",
    ):
        parsed, repaired = parse_items(payload)
        assert parsed == items and repaired is False


@FAST
@given(st.lists(st.integers(0, 500), min_size=2, max_size=8, unique=True), st.floats(0.05, 0.99))
def test_truncated_json_is_repaired_without_raising(ns: list[int], keep: float) -> None:
    text = json.dumps({"personas": [persona(n) for n in ns]})
    cut = text[: int(len(text) * keep)]
    parsed, _ = parse_items(cut)
    assert isinstance(parsed, list)
    outcome = validate_batch(_request(10), ProviderResponse(items=parsed, repaired=True))
    assert_valid_personas(outcome.personas)
    whole = {json.dumps(persona(n)) for n in ns}
    # Every persona that was complete before the cut survives intact.
    complete = [p for p in parsed if isinstance(p, dict) and json.dumps(p) in whole]
    assert len(complete) >= max(0, cut.count('"bios"') - 1)


def test_prose_without_json_gives_nothing() -> None:
    assert parse_items("I am sorry, I cannot do that.") == ([], False)
    assert parse_items("") == ([], False)


@FAST
@given(bio_st, st.integers(1, 60))
def test_trim_respects_graphemes(text: str, limit: int) -> None:
    out = trim_to_graphemes(text, limit)
    assert grapheme_count(out) <= limit
    assert text.startswith(out)
    if grapheme_count(text) <= limit:
        assert out == text


@FAST
@given(bio_st)
def test_grapheme_count_matches_regex(text: str) -> None:
    assert grapheme_count(text) == len(regex.findall(r"\X", text))


def test_graphemes_not_code_points() -> None:
    assert grapheme_count("👨‍👩‍👧🇩🇪e\u0301") == 3
    assert trim_to_graphemes("word " * 50, 22) == "word word word word"


@FAST
@given(st.one_of(st.emails().map(str), text_st), text_st)
def test_any_email_lands_on_a_reserved_domain(email: str, username: str) -> None:
    assert is_reserved_email(reserved_email(email, username))


def test_emails_and_ages_are_fixed() -> None:
    request = _request(3)
    raw = [persona(1, age=7, email="Ana@Gmail.com"), persona(2, email="x@example.org")]
    personas = validate_batch(request, ProviderResponse(items=raw)).personas
    assert personas[0]["email"] == "ana@example.com"
    assert personas[1]["email"] == "x@example.org"
    assert personas[0]["age"] != 7 and personas[0]["synthetic"] is True


def test_bios_trimmed_dropped_and_aliased() -> None:
    request = _request(1, platforms={"x": 20, "tiktok": 10})
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
    outcome = validate_batch(_request(10), ProviderResponse(items=raw))
    assert len(outcome.personas) == 2 and outcome.quality["duplicates_dropped"] == 3


def test_rejections_name_their_reason() -> None:
    raw = [persona(1, gender="robot"), {"first_name": "x"}, "nope", persona(2, interests=[])]
    raw.append(persona(3, date_of_birth=str(date.today().replace(year=date.today().year - 5))))
    quality = validate_batch(_request(5), ProviderResponse(items=raw)).quality
    assert quality["rejected"] == {
        "invalid_gender": 1,
        "missing_last_name": 1,
        "not_an_object": 1,
        "invalid_interests": 1,
        "age_out_of_range": 1,
    }


def test_usernames_get_a_number_suffix() -> None:
    outcome = validate_batch(_request(1), ProviderResponse(items=[persona(1, username="@ana lo")]))
    username = outcome.personas[0]["username"]
    assert username.startswith("ana_lo") and username[-4:].isdigit()


def test_dedupe_key_folds_accents_but_keeps_scripts() -> None:
    a = {"first_name": "José", "last_name": "Núñez", "date_of_birth": "1990-01-01"}
    b = {"first_name": " jose ", "last_name": "NUNEZ", "date_of_birth": "1990-01-01"}
    c = {"first_name": "张", "last_name": "伟", "date_of_birth": "1990-01-01"}
    d = {"first_name": "李", "last_name": "娜", "date_of_birth": "1990-01-01"}
    assert dedupe_key(a) == dedupe_key(b)
    assert dedupe_key(c) != dedupe_key(d)


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


def _response(status: int, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, text=body, headers=headers or {})


@pytest.mark.parametrize(
    ("status", "message", "retryable"),
    [
        (408, "Request Timeout", True),
        (429, "Too many requests", True),
        (502, "<html>Bad Gateway</html>", True),
        (503, "unavailable", True),
        (504, "<html>504 Gateway Time-out</html>", True),
        (500, "Error: Request timed out", True),
        (500, "Error: predictionsServices.buildChatflow - Unauthorized", False),
        (500, "Chatflow abc not found", False),
        (500, "Error: rate limit exceeded for the month", False),
        (400, "Invalid Chatflow ID", False),
        (401, "no key", False),
        (403, "forbidden", False),
        (404, "not found", False),
        (412, "precondition", False),
        (413, "too large", False),
    ],
)
def test_status_classification(status: int, message: str, retryable: bool) -> None:
    body = json.dumps({"statusCode": status, "success": False, "message": message})
    if message.startswith("<html>"):
        body = message
    error = classify_response("Flowise", _response(status, body))
    assert error.retryable is retryable and error.status_code == status
    assert f"HTTP {status}" in str(error)
    assert ("refused" in str(error)) is (not retryable)


def test_retry_after_forms() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
