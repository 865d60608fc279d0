"""The realism report catches contradictions in personas of any provider."""

from __future__ import annotations

import time
from typing import Any

import pytest

from avatar_data_generator.generation.population import SUPPORTED
from avatar_data_generator.generation.population.classify import (
    education_level,
    occupation_key,
    stage_words,
)
from avatar_data_generator.generation.population.realism import (
    FLAGS,
    VIOLATIONS,
    RealismAccumulator,
    realism_report,
)

from .conftest import TODAY, draw

CONTRADICTORY: list[dict[str, Any]] = [
    {"id": "surgeon-19", "first_name": "Lukas", "gender": "male", "age": 19,
     "date_of_birth": "2006-05-01", "country": "Germany", "city": "Munich",
     "nationality": "German", "occupation": "Surgeon", "education": "PhD in Medicine",
     "email": "lukas@example.com", "username": "lukas06"},
    {"id": "retired-30", "first_name": "Sophie", "gender": "female", "age": 30,
     "country": "France", "city": "Lyon", "occupation": "retraitée",
     "education": "Licence"},
    {"id": "male-mary", "first_name": "Mary", "gender": "male", "age": 40,
     "country": "United States", "city": "Chicago", "occupation": "nurse",
     "education": "Bachelor of Science in Nursing"},
    {"id": "paris-in-japan", "first_name": "Yuki", "gender": "female", "age": 35,
     "country": "Japan", "city": "Paris", "occupation": "会社員", "education": "大学卒"},
    {"id": "child-worker", "first_name": "Emma", "gender": "female", "age": 14,
     "country": "Netherlands", "city": "Utrecht", "occupation": "caissière",
     "education": "basisonderwijs", "nationality": "Netherlands", "email": "emma@gmail.com",
     "username": "user1234"},
    {"id": "too-old", "first_name": "Hans", "gender": "male", "age": 104, "country": "Austria",
     "city": "Graz", "occupation": "Chirurg",
     "education": "Master oder Diplom"},  # codespell:ignore
]  # fmt: skip


def test_contradictions_are_caught() -> None:
    report = realism_report(CONTRADICTORY, 18, 100, TODAY)
    v = report["violations"]
    assert set(v) == set(VIOLATIONS) and set(report["flags"]) == set(FLAGS)
    assert "surgeon-19" in v["occupation_below_min_age"]["examples"]
    assert "surgeon-19" in v["doctorate_under_25"]["examples"]
    assert "retired-30" in v["retired_under_50"]["examples"]
    assert "male-mary" in v["name_vs_sex"]["examples"]
    assert "paris-in-japan" in v["city_outside_country"]["examples"]
    assert "child-worker" in v["job_under_16"]["examples"]
    assert {"child-worker", "too-old"} <= set(v["age_outside_range"]["examples"])
    f = report["flags"]
    assert "child-worker" in f["nationality_not_demonym"]["examples"]
    assert "child-worker" in f["email_not_reserved"]["examples"]
    assert "child-worker" in f["username_generic"]["examples"]
    assert report["personas_with_violation"]["count"] == 6
    for person in ("male-mary", "paris-in-japan"):
        assert person not in v["occupation_below_min_age"]["examples"]


def test_grounded_personas_are_clean() -> None:
    personas = []
    for code in SUPPORTED:
        for i, p in enumerate(draw(code, 300, seed=13)):
            personas.append({**p.as_persona(), "id": f"{code}-{i}"})
    report = realism_report(personas, 13, 100, TODAY)
    assert report["personas_with_violation"]["count"] == 0, report["violations"]
    assert report["personas_with_flag"]["share"] < 0.01
    assert set(report["age_tvd"]) == set(SUPPORTED)
    for code in SUPPORTED:
        share = report["tertiary_share"][code]
        assert abs(share["25_64"] - share["expected_25_64"]) < 0.12
        assert report["doctorate_share"][code]["adults"] <= 0.03
    assert report["distinct_first_names"]["count"] > 1000


def test_free_text_personas_are_read_in_every_language() -> None:
    personas = []
    grounded = ("life_stage", "education_level", "occupation_key", "sex", "country_code")
    for code in SUPPORTED:
        for i, p in enumerate(draw(code, 200, seed=17)):
            d = {k: v for k, v in p.as_persona().items() if k not in grounded}
            personas.append({**d, "id": f"{code}-{i}"})
    report = realism_report(personas, 13, 100, TODAY)
    assert report["personas_with_violation"]["count"] == 0, report["violations"]
    assert report["unclassified"].get("education", 0) == 0
    assert report["unclassified"].get("occupation", 0) < 0.01 * len(personas)


@pytest.mark.parametrize(
    ("text", "level"),
    [("PhD in Physics", "doctorate"), ("Doktor der Philosophie", "doctorate"),
     ("Master of Science", "master"), ("Licence", "bachelor"), ("Laurea magistrale", "master"),
     ("Yüksek lisans", "master"), ("Ön lisans", "short_tertiary"), ("Abitur", "upper_secondary"),
     ("high school diploma", "upper_secondary"), ("博士", "doctorate"), ("석사", "master"),
     ("बारहवीं पास", "upper_secondary"), ("بكالوريوس", "bachelor"), ("magister", "master"),
     ("Diplom-Kauffrau", "master"), ("something else", None)],
)  # fmt: skip
def test_education_free_text(text: str, level: str | None) -> None:
    assert education_level(text) == level


@pytest.mark.parametrize(
    ("text", "key", "stage"),
    [("Surgeon", "surgeon", None), ("Chirurgin", "surgeon", None),
     ("Senior surgeon at a city hospital", "surgeon", None), ("外科医として働く", "surgeon", None),
     ("retired teacher", "secondary_teacher", "retired"),
     ("Lehrerin im Ruhestand", "secondary_teacher", "retired"),
     ("은퇴한 사무원", "office_clerk", "retired"), ("सेवानिवृत्त किसान", "crop_farmer", "retired"),
     ("university student", "student", "student"), ("Schülerin", "pupil", "pupil"),
     ("job seeker", "unemployed", "unemployed"), ("space cowboy", None, None)],
)  # fmt: skip
def test_occupation_free_text(text: str, key: str | None, stage: str | None) -> None:
    assert occupation_key(text) == key
    assert stage_words(text) == stage


def test_accumulator_in_chunks_equals_one_pass() -> None:
    people = [{**p.as_persona(), "id": str(i), "bios": {"x": f"{p.occupation} in {p.city}"}}
              for i, p in enumerate(draw("IT", 600, seed=21))]  # fmt: skip
    acc = RealismAccumulator(13, 100, TODAY)
    for start in range(0, 600, 128):
        acc.add(people[start : start + 128])
    assert acc.report() == realism_report(people, 13, 100, TODAY)


def test_near_duplicate_bios() -> None:
    base = "Coffee lover, amateur photographer and proud parent of two dogs living in Lisbon"
    people = [
        {"id": "a", "first_name": "Ana", "age": 30, "bios": {"x": base}},
        {"id": "b", "first_name": "Rita", "age": 31, "bios": {"x": base + "!"}},
        {"id": "c", "first_name": "Rui", "age": 32, "bios": {"x": "Marathon runner, chess coach"}},
        {"id": "d", "first_name": "Eva", "age": 33, "bios": {"x": base, "instagram": base}},
    ]  # fmt: skip
    near = realism_report(people, 18, 100, TODAY)["near_duplicate_bios"]
    assert near["bios"] == 5 and near["with_near_duplicate"] == 4
    assert near["threshold"] == 0.9 and near["permutations"] == 128


def test_ten_thousand_personas_in_seconds() -> None:
    people = []
    for code in ("US", "DE", "JP", "IN", "BR"):
        for i, p in enumerate(draw(code, 2000, seed=23)):
            bio = f"{p.first_name}, {p.occupation} from {p.city}. {' '.join(p.interests)}"
            people.append({**p.as_persona(), "id": f"{code}{i}", "bios": {"x": bio}})
    started = time.perf_counter()
    report = realism_report(people, 13, 100, TODAY)
    assert time.perf_counter() - started < 8
    assert report["personas"] == 10_000
