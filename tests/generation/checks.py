"""Checks shared by the generation tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import (
    PLATFORM_LIMITS,
    default_bio_settings,
    validate_bio_settings,
)
from avatar_data_generator.generation.graphemes import grapheme_count
from avatar_data_generator.generation.identity import dedupe_key, is_reserved_email
from avatar_data_generator.generation.persona_schema import PERSONA_FIELDS, age_on

CHATFLOW_ID = "00000000-0000-4000-8000-000000000adc"


def assert_valid_personas(
    personas: list[dict[str, Any]], limits: dict[str, int] | None = None, as_of: date | None = None
) -> None:
    """Every persona complete, normalised, within its bio limits, its age counted on the day its
    request was made (`as_of`, today by default); all distinct."""
    limits = limits or PLATFORM_LIMITS
    today = as_of or date.today()
    for p in personas:
        for name in (*PERSONA_FIELDS, "id", "age", "avatar", "synthetic"):
            assert name in p, f"missing {name}"
        assert p["synthetic"] is True
        assert p["gender"] in ("female", "male", "non-binary")
        assert p["age"] == age_on(date.fromisoformat(p["date_of_birth"]), today)
        assert is_reserved_email(p["email"]), p["email"]
        assert p["username"][-1].isdigit()
        assert set(p["bios"]) <= set(limits)
        for platform, bio in p["bios"].items():
            assert grapheme_count(bio) <= limits[platform], (platform, bio)
        avatar = p["avatar"]
        assert avatar["url"] == f"/avatars/{avatar['style']}/{avatar['seed']}.svg"
    for key in ("id", "username", "email"):
        values = [p[key] for p in personas]
        assert len(values) == len(set(values)), f"duplicate {key}"
    keys = [dedupe_key(p) for p in personas]
    assert len(keys) == len(set(keys)), "duplicate name + birth date"


text_st = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)
emoji_st = st.sampled_from(["👍🏽", "👨‍👩‍👧", "🇩🇪", "é", "e\u0301", "字", "a", " ", "#", "✨"])
bio_st = st.lists(st.one_of(emoji_st, text_st), max_size=30).map("".join)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


def request_for(count: int, **settings_over: Any) -> BatchRequest:
    """A batch request with the default bio settings, changed where asked."""
    return BatchRequest(
        "t", 0, count, "en", validate_bio_settings(default_bio_settings() | settings_over)
    )
