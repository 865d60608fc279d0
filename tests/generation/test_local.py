"""The offline generator: grounded people, reproducible from a seed, within the settings."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from datetime import date
from typing import Any

import pytest

from avatar_data_generator import tasks
from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import BioSettingsError, validate_bio_settings
from avatar_data_generator.generation.graphemes import grapheme_count
from avatar_data_generator.generation.local import LocalProvider
from avatar_data_generator.generation.persona_schema import age_on
from avatar_data_generator.generation.pipeline import validate_batch
from avatar_data_generator.generation.population import SUPPORTED, UnknownCountry, country
from avatar_data_generator.generation.population.rules import name_sexes
from avatar_data_generator.generation.providers import get_provider
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.generation.checks import assert_valid_personas

AS_OF = date(2026, 12, 1)


def _request(count: int, seed: int | None = 1, locale: str = "en", **over: Any) -> BatchRequest:
    settings = validate_bio_settings(over)
    return BatchRequest("t", 0, count, locale, settings, seed=seed, as_of=AS_OF)


def test_same_seed_same_bytes_other_seed_other_people() -> None:
    provider = LocalProvider({})
    a = json.dumps(provider.generate(_request(200, seed=42)).items, ensure_ascii=False)
    b = json.dumps(get_provider("local", {}).generate(_request(200, seed=42)).items)
    c = json.dumps(provider.generate(_request(200, seed=43)).items, ensure_ascii=False)
    assert a == json.dumps(json.loads(b), ensure_ascii=False)
    assert a != c


def test_a_seeded_batch_is_pinned_bit_for_bit() -> None:
    """The golden digest: same seed, settings and data version give the same people."""
    request = _request(50, seed=2026, locale="de", countries=["Germany", "Japan"])
    outcome = validate_batch(request, LocalProvider({}).generate(request))
    text = json.dumps(outcome.personas, ensure_ascii=False, sort_keys=True)
    assert len(outcome.personas) == 50
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert digest == GOLDEN, digest


GOLDEN = "d4ac670e10fae8a24e4b07948aec1485b22ec6736706ce8822dee0909b2d70e4"


def test_another_locale_with_the_same_seed_gives_other_people() -> None:
    en = LocalProvider({}).generate(_request(1000, seed=7, locale="en", countries=["Canada"]))
    fr = LocalProvider({}).generate(_request(1000, seed=7, locale="fr", countries=["Canada"]))
    same = sum(
        a["date_of_birth"] == b["date_of_birth"] for a, b in zip(en.items, fr.items, strict=True)
    )
    assert same / 1000 < 0.01


def test_gender_mix_within_sampling_error() -> None:
    mix = {"female": 0.6, "male": 0.3, "non-binary": 0.1}
    n = 4000
    items = LocalProvider({}).generate(_request(n, seed=5, gender_mix=mix)).items
    counts = Counter(p["gender"] for p in items)
    for gender, share in mix.items():
        sigma = math.sqrt(n * share * (1 - share))
        assert abs(counts[gender] - n * share) < 4 * sigma, (gender, counts)


def test_names_agree_with_sex_and_dates_with_ages() -> None:
    items = LocalProvider({}).generate(_request(500, seed=9, age_min=25, age_max=30)).items
    for p in items:
        if p["gender"] in ("female", "male"):
            assert p["sex"] == p["gender"]
            assert p["sex"] in name_sexes(p["first_name"], p["country_code"]), p["first_name"]
        assert 25 <= age_on(date.fromisoformat(p["date_of_birth"]), AS_OF) <= 30
        assert p["email"].rpartition("@")[2] in ("example.com", "example.org", "example.net")
        assert p["username"][-1].isdigit()


def test_countries_from_settings_each_with_its_own_people() -> None:
    items = LocalProvider({}).generate(_request(300, seed=3, countries=["Germany", "JP"])).items
    assert {p["country"] for p in items} == {"Germany", "Japan"}
    assert abs(sum(p["country"] == "Japan" for p in items) - 150) <= 1  # in turn
    japanese = [p for p in items if p["country_code"] == "JP" and not p.get("foreign_born")]
    assert all(p["nationality"] == "Japanese" for p in japanese)


def test_an_unsupported_country_is_refused_naming_the_supported_ones() -> None:
    with pytest.raises(BioSettingsError) as caught:
        validate_bio_settings({"countries": ["Germany", "Atlantis"]})
    assert caught.value.field == "countries" and "Atlantis" in caught.value.message
    assert all(country(code).name in caught.value.message for code in SUPPORTED)


def test_a_locale_without_a_country_of_its_own_is_refused() -> None:
    with pytest.raises(UnknownCountry):
        LocalProvider({}).generate(_request(5, locale="sv"))


def test_bios_follow_limits_and_flags() -> None:
    limits = {"x": 40, "tiktok": 25, "linkedin": 220}
    request = _request(300, seed=4, platforms=limits, emoji=False, hashtags=False)
    items = LocalProvider({}).generate(request).items
    for p in items:
        assert set(p["bios"]) == set(limits)
        for platform, bio in p["bios"].items():
            assert grapheme_count(bio) <= limits[platform]
            assert "#" not in bio and not any(ord(ch) > 0x2500 for ch in bio), bio
    flagged = LocalProvider({}).generate(_request(50, seed=4)).items
    assert any("#" in p["bios"]["x"] for p in flagged)
    outcome = validate_batch(request, LocalProvider({}).generate(request))
    assert outcome.quality["bios_trimmed"] == 0 and outcome.quality["rejected"] == {}


@pytest.mark.parametrize("code", SUPPORTED)
def test_every_supported_country_yields_valid_grounded_personas(code: str) -> None:
    request = _request(40, seed=8, locale="en", countries=[code])
    outcome = validate_batch(request, LocalProvider({}).generate(request))
    assert len(outcome.personas) == 40, (code, outcome.quality)
    assert_valid_personas(outcome.personas, as_of=AS_OF)
    for p in outcome.personas:
        assert p["country_code"] == code and p["region"] and p["life_stage"]
        assert set(p["big_five"]) == {
            "openness",
            "conscientiousness",
            "extraversion",
            "agreeableness",
            "neuroticism",
        }
        assert p["username"].isascii() and p["email"].isascii()


def test_local_task_end_to_end(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url)
    with app.app_context():
        task, _ = tasks.create_task(
            count=120, batch_size=40, provider="local", seed=77, bio_settings={"tone": "witty"}
        )
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
        personas = list(tasks.iter_personas(task.task_id))
    assert done.status == "completed" and len(personas) == 120
    assert_valid_personas(personas, as_of=done.created_at.date())
    assert sum(done.quality["gender"].values()) == 120
    assert done.quality["asked"] == 120 and done.quality["valid"] == 120
    assert done.provenance["countries"] == ["US"] and done.provenance["as_of"]
