"""Every sampled person obeys the hard rules, whatever the country, seed and age range."""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar_data_generator.generation.population import SUPPORTED, country, sample_person
from avatar_data_generator.generation.population.ages import age_on
from avatar_data_generator.generation.population.checks import evaluate, read
from avatar_data_generator.generation.population.interests import keys
from avatar_data_generator.generation.population.names import lexicon_sexes
from avatar_data_generator.generation.population.occupations import occupation_index
from avatar_data_generator.generation.population.places import city_table
from avatar_data_generator.generation.population.rules import (
    EDUCATION_MIN_AGE,
    STAGES,
    stage_allowed,
)
from avatar_data_generator.generation.population.tables import table

from .conftest import GENDERS, TODAY

_EMAIL = re.compile(r"^[a-z0-9._]+@example\.(com|org|net)$")
_DEMONYMS = {r["demonym"] for r in table("countries")["countries"].values()}


def _check(code: str, seed: int, age_min: int, age_max: int, n: int) -> None:
    rand = random.Random(seed).random
    cities = {c for c, _ in city_table(code)[1]}
    for i in range(n):
        gender = GENDERS[(seed + i) % 3]
        p = sample_person(rand, code, gender, age_min, age_max, TODAY)
        assert age_min <= p.age <= age_max
        assert age_on(TODAY, p.date_of_birth) == p.age
        assert p.sex in ("female", "male") and (gender == "non-binary" or p.sex == gender)
        assert p.life_stage in STAGES and stage_allowed(p.life_stage, p.age)
        assert p.age >= EDUCATION_MIN_AGE[p.education_level]
        occ = occupation_index().get(p.occupation_key)
        if p.life_stage == "employed":
            assert occ is not None and p.age >= occ.min_age and p.isco == occ.isco
        elif occ is None:
            assert p.occupation_key == p.life_stage and p.isco is None
        else:
            assert p.life_stage == "retired"
        assert p.city in cities and p.country == country(code).name
        assert p.nationality in _DEMONYMS
        assert p.foreign_born or p.nationality == country(code).demonym
        assert p.sex in lexicon_sexes(p.first_name_latin)
        assert 3 <= len(p.interest_keys) <= 5 and len(set(p.interest_keys)) == len(p.interests)
        assert set(p.interest_keys) <= set(keys())
        assert all(0 <= v <= 100 for v in p.big_five.values()) and len(p.big_five) == 5
        assert p.username.isascii() and re.search(r"\d", p.username) and p.username[0].isalpha()
        assert _EMAIL.match(p.email), p.email
        for text in (p.first_name_latin, p.last_name_latin):
            assert all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in text), text
        found = evaluate(read(p.as_persona(), TODAY), age_min, age_max)
        assert found["violations"] == [], (found, p)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(SUPPORTED),
    seed=st.integers(0, 2**32),
    ages=st.tuples(st.integers(13, 100), st.integers(13, 100)).map(sorted),
)
def test_no_sampled_person_breaks_a_hard_rule(code: str, seed: int, ages: list[int]) -> None:
    _check(code, seed, ages[0], ages[1], 40)


def test_extreme_ranges() -> None:
    for code in SUPPORTED:
        for lo, hi in ((13, 13), (16, 16), (19, 21), (25, 27), (50, 50), (85, 100), (100, 100)):
            _check(code, lo * 7 + hi, lo, hi, 30)


def test_young_people_are_in_school() -> None:
    for code in SUPPORTED:
        rand = random.Random(5).random
        for _ in range(50):
            p = sample_person(rand, code, "female", 13, 15, TODAY)
            assert p.life_stage == "pupil" and p.education_level == "primary"
            assert p.isco is None
