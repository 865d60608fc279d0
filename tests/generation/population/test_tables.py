"""The shipped tables: complete, consistent with the rules, names agree with the lexicon."""

from __future__ import annotations

from collections import defaultdict

import pytest

from avatar_data_generator.generation.population.names import (
    country_lexicon,
    first_rows,
    name_table,
    surname_rows,
)
from avatar_data_generator.generation.population.occupations import (
    choice_tables,
    group_factors,
    occupations,
)
from avatar_data_generator.generation.population.places import city_table, known_cities
from avatar_data_generator.generation.population.rules import EDUCATION, RANK, WORK_MIN_AGE
from avatar_data_generator.generation.population.tables import SUPPORTED, meta, table
from avatar_data_generator.generation.population.text import fold

NATIVE_SCRIPT = {"JP", "CN", "KR", "EG", "IN"}
# Names that are of both sexes inside one language group for cultural reasons: French
# (male Jean, female Laurence, male Alexis) beside English in Canada.
BILINGUAL = {"jean", "laurence", "alexis"}


def test_every_table_states_its_provenance() -> None:
    names = ["countries", "pyramid", "sex_ratio", "labour", "education", "isco", "places",
             "labels", "interests", "personality", "occupations/index"]  # fmt: skip
    names += [f"names/{c}" for c in SUPPORTED]
    for name in names:
        m = meta(name)
        assert m.get("source") and m.get("licence"), name
    for name in ["sex_ratio", "labour", "education", "isco", "countries"]:
        assert "WITHOUT network access" in meta(name)["method"], name


@pytest.mark.parametrize("code", SUPPORTED)
def test_country_rows_exist(code: str) -> None:
    for name in ("pyramid", "sex_ratio", "labour", "education", "isco", "places", "countries"):
        assert code in table(name)["countries"], (name, code)
    assert len(table("pyramid")["countries"][code]) == 21
    assert abs(sum(table("isco")["countries"][code]) - 100) < 1.5
    edu = table("education")["countries"][code]
    assert edu["tertiary"][0] * edu["tertiary_split"][3] <= 0.03  # doctorates among 25-64


def test_occupations() -> None:
    occs = occupations()
    keys = [o.key for o in occs]
    assert len(keys) == len(set(keys)) and 80 <= len(occs) <= 150
    groups = {o.group for o in occs}
    assert groups == set(range(10))
    for o in occs:
        assert o.min_age >= WORK_MIN_AGE and o.min_edu in EDUCATION and o.typ in EDUCATION
        assert RANK[o.typ] >= RANK[o.min_edu] and len(o.isco) == 4 and 0 < o.female < 1
    by_key = {o.key: o for o in occs}
    assert by_key["surgeon"].min_age >= 27 and by_key["surgeon"].min_edu == "master"
    assert by_key["professor"].min_edu == "doctorate"


def test_titles_are_unambiguous_within_a_language() -> None:
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for o in occupations():
        for lang, forms in o.titles.items():
            for form in forms:
                seen[(lang.split("-")[0], fold(form))].add(o.key)
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


@pytest.mark.parametrize("code", SUPPORTED)
def test_occupation_model_fits_and_covers_every_cell(code: str) -> None:
    for by_sex in choice_tables(code):
        for rows in by_sex:
            for cum, idx in rows:
                assert len(idx) > 0 and cum[-1] == 1.0
    assert all(f >= 0 for f in group_factors(code))


@pytest.mark.parametrize("code", SUPPORTED)
def test_names(code: str) -> None:
    data = table(f"names/{code}")
    for sex in ("female", "male"):
        rows = first_rows(data, sex)
        natives = [r[0] for r in rows]
        assert len(natives) == len(set(natives)) and len(rows) >= 100, (code, sex)
        if code in NATIVE_SCRIPT:
            assert all(r[1] and r[1].isascii() for r in rows), (code, sex)
    surnames = surname_rows(data)
    assert len(surnames) >= 80
    if code in NATIVE_SCRIPT:
        assert all(f.latin.isascii() and f.latin != f.native for f, _, _ in surnames)
    table_ = name_table(code)
    assert all(n.handle for pools in table_.first for _, names in pools for n in names)


@pytest.mark.parametrize("code", SUPPORTED)
def test_no_first_name_of_both_sexes_in_a_country(code: str) -> None:
    both = {n for n, sexes in country_lexicon(code).items() if len(sexes) > 1}
    assert both == set(), both


def test_lexicon_agrees_across_countries_of_one_language() -> None:
    by_lang: dict[str, list[str]] = defaultdict(list)
    for code in SUPPORTED:
        by_lang[table("countries")["countries"][code]["language"]].append(code)
    conflicts = {}
    for lang, codes in by_lang.items():
        merged: dict[str, set[str]] = defaultdict(set)
        for code in codes:
            for name, sexes in country_lexicon(code).items():
                merged[name].update(sexes)
        for name, both in merged.items():
            if len(both) > 1 and name not in BILINGUAL:
                conflicts[name] = lang
    assert conflicts == {}


def test_polish_surnames_have_female_forms() -> None:
    forms = {m.native: f.native for f, m, _ in surname_rows(table("names/PL"))}
    assert forms["Kowalski"] == "Kowalska" and forms["Nowak"] == "Nowak"
    assert forms["Zawadzki"] == "Zawadzka"


@pytest.mark.parametrize("code", SUPPORTED)
def test_places(code: str) -> None:
    cum, cities = city_table(code)
    assert len(cities) >= 30 and cum[-1] == 1.0
    assert all(fold(c) in known_cities()[code] for c, _ in cities)
