"""The offline generator: reproducible, consistent, within the settings and the limits."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date
from typing import Any

from avatar_data_generator import tasks
from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import validate_bio_settings
from avatar_data_generator.generation.graphemes import grapheme_count
from avatar_data_generator.generation.local import LocalProvider, place_for
from avatar_data_generator.generation.pipeline import age_on, validate_batch
from avatar_data_generator.generation.providers import get_provider
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.generation.checks import assert_valid_personas


def _request(count: int, seed: int | None = 1, locale: str = "en", **over: Any) -> BatchRequest:
    return BatchRequest("t", 0, count, locale, validate_bio_settings(over), seed=seed)


def test_same_seed_same_bytes_other_seed_other_data() -> None:
    provider = LocalProvider({})
    a = json.dumps(provider.generate(_request(200, seed=42)).items, ensure_ascii=False)
    b = json.dumps(get_provider("local", {}).generate(_request(200, seed=42)).items)
    c = json.dumps(provider.generate(_request(200, seed=43)).items, ensure_ascii=False)
    assert a == json.dumps(json.loads(b), ensure_ascii=False)
    assert a != c


def test_gender_mix_within_sampling_error() -> None:
    mix = {"female": 0.6, "male": 0.3, "non-binary": 0.1}
    n = 4000
    items = LocalProvider({}).generate(_request(n, seed=5, gender_mix=mix)).items
    counts = Counter(p["gender"] for p in items)
    for gender, share in mix.items():
        sigma = math.sqrt(n * share * (1 - share))
        assert abs(counts[gender] - n * share) < 4 * sigma, (gender, counts)


def test_names_match_gender_and_dates_match_ages() -> None:
    place = place_for("en")
    female = {name for name, _ in place.female}
    male = {name for name, _ in place.male}
    items = LocalProvider({}).generate(_request(500, seed=9, age_min=25, age_max=30)).items
    today = date.today()
    for p in items:
        if p["gender"] == "female":
            assert p["first_name"] in female
        elif p["gender"] == "male":
            assert p["first_name"] in male
        assert 25 <= age_on(date.fromisoformat(p["date_of_birth"]), today) <= 30
        assert p["email"].endswith("@example.com")
        assert p["username"][-1].isdigit()


def test_countries_from_settings_with_their_cities() -> None:
    items = (
        LocalProvider({})
        .generate(_request(300, seed=3, countries=["Germany", "Japan", "Atlantis"]))
        .items
    )
    assert {p["country"] for p in items} == {"Germany", "Japan", "Atlantis"}
    german = set(place_for("de").cities)
    assert all(p["city"] in german for p in items if p["country"] == "Germany")
    assert all(p["nationality"] == "Japanese" for p in items if p["country"] == "Japan")


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


def test_language_and_tone_and_locale() -> None:
    german = (
        LocalProvider({})
        .generate(_request(20, seed=2, locale="de-DE", language="de", tone="professional"))
        .items
    )
    assert all(p["country"] == "Germany" for p in german)
    assert any("Sitz in" in p["bios"]["linkedin"] or " | " in p["bios"]["linkedin"] for p in german)
    russian = LocalProvider({}).generate(_request(20, seed=2, locale="ru")).items
    assert all(p["username"].isascii() and p["email"].isascii() for p in russian)


def test_every_locale_yields_valid_personas() -> None:
    from avatar_data_generator.generation.local import COUNTRIES

    for locale in COUNTRIES:
        request = _request(30, seed=8, locale=locale)
        outcome = validate_batch(request, LocalProvider({}).generate(request))
        assert len(outcome.personas) == 30, (locale, outcome.quality)
        assert_valid_personas(outcome.personas)


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
    assert_valid_personas(personas)
    assert sum(done.quality["gender"].values()) == 120
    assert done.quality["asked"] == 120 and done.quality["valid"] == 120
