"""The public API: countries, locales, labels and their languages."""

from __future__ import annotations

import random

import pytest

from avatar_data_generator.generation import population as pop
from avatar_data_generator.generation.population import (
    DATA_VERSION,
    SUPPORTED,
    UnknownCountry,
    country,
    country_for_locale,
    education_label,
    life_stage_label,
    occupation_title,
    resolve_country,
    sample_person,
    trait_words,
)
from avatar_data_generator.generation.population.interests import items
from avatar_data_generator.generation.population.occupations import occupations
from avatar_data_generator.generation.population.rules import EDUCATION, STAGES
from avatar_data_generator.generation.population.tables import LANGUAGES

from .conftest import TODAY


def test_supported_is_sorted_and_complete() -> None:
    assert list(SUPPORTED) == sorted(SUPPORTED)
    assert len(SUPPORTED) == 26
    assert DATA_VERSION


@pytest.mark.parametrize(
    ("text", "code"),
    [("Germany", "DE"), ("germany", "DE"), ("DE", "DE"), ("de", "DE"), ("Deutschland", "DE"),
     ("USA", "US"), ("UK", "GB"), ("United Kingdom", "GB"), ("the Netherlands", "NL"),
     ("Brasil", "BR"), ("México", "MX"), ("日本", "JP"), ("South Korea", "KR"), ("DEU", "DE"),
     ("German", "DE"), ("Türkiye", "TR"), ("مصر", "EG"), ("Allemagne", "DE"), ("ドイツ", "DE"),
     ("ألمانيا", "DE"), ("대한민국", "KR"), ("Estados Unidos", "US"), ("भारत", "IN")],
)  # fmt: skip
def test_resolve_country(text: str, code: str) -> None:
    assert resolve_country(text) == code


@pytest.mark.parametrize("text", ["Atlantis", "Switzerland", "", "XX", "Russia"])
def test_unknown_country_lists_the_supported(text: str) -> None:
    with pytest.raises(UnknownCountry) as err:
        resolve_country(text)
    assert isinstance(err.value, ValueError)
    assert "Germany (DE)" in str(err.value) and "Nigeria (NG)" in str(err.value)


def test_sampling_an_unsupported_country_is_refused() -> None:
    with pytest.raises(UnknownCountry):
        sample_person(random.Random(1).random, "CH", "female", 18, 60, TODAY)
    with pytest.raises(ValueError):
        sample_person(random.Random(1).random, "DE", "female", 10, 60, TODAY)
    with pytest.raises(ValueError):
        sample_person(random.Random(1).random, "DE", "robot", 18, 60, TODAY)


@pytest.mark.parametrize(
    ("tag", "code"),
    [("en", "US"), ("en-GB", "GB"), ("de", "DE"), ("de-AT", "AT"), ("pt-BR", "BR"), ("pt", "PT"),
     ("es-MX", "MX"), ("ja", "JP"), ("zh", "CN"), ("hi", "IN"), ("ar-EG", "EG"), ("en_AU", "AU"),
     ("zh-Hans-CN", "CN"), ("de-CH", None), ("fr-BE", None), ("sv", None), ("zh-TW", None),
     ("zh-Hant", None), ("es-419", None)],
)  # fmt: skip
def test_country_for_locale(tag: str, code: str | None) -> None:
    assert country_for_locale(tag) == code


def test_country_facts() -> None:
    de = country("de")
    assert (de.code, de.name, de.demonym, de.language) == ("DE", "Germany", "German", "de")
    assert any("World Population Prospects" in s for s in de.sources)
    assert {country(c).language for c in SUPPORTED} <= set(LANGUAGES)
    assert country("BR").language == "pt" and country("EG").language == "ar"


def test_every_text_exists_in_every_language() -> None:
    for lang in LANGUAGES:
        for occ in occupations():
            assert lang in occ.titles, (occ.key, lang)
        for level in EDUCATION:
            assert education_label(level, lang)
        for stage in STAGES:
            assert life_stage_label(stage, lang, "female") and life_stage_label(stage, lang, "male")
        for row in items():
            assert lang in row[5], (row[0], lang)
        assert trait_words({"openness": 90, "conscientiousness": 50, "extraversion": 10,
                            "agreeableness": 50, "neuroticism": 50}, lang, "female")  # fmt: skip


@pytest.mark.parametrize(
    ("key", "lang", "female", "male"),
    [("nurse", "fr", "infirmière", "infirmier"), ("surgeon", "de", "Chirurgin", "Chirurg"),
     ("primary_teacher", "de", "Grundschullehrerin", "Grundschullehrer"),
     ("lawyer", "es", "abogada", "abogado"), ("nurse", "pl", "pielęgniarka", "pielęgniarz"),
     ("physician", "ar", "طبيبة عامة", "طبيب عام"), ("surgeon", "ja", "外科医", "外科医"),
     ("homemaker", "de", "Hausfrau", "Hausmann"), ("retired", "it", "pensionata", "pensionato")],
)  # fmt: skip
def test_titles_are_gendered(key: str, lang: str, female: str, male: str) -> None:
    assert occupation_title(key, lang, "female") == female
    assert occupation_title(key, lang, "male") == male


def test_country_specific_wording() -> None:
    assert occupation_title("waiter", "pt-BR", "male") == "garçom"
    assert occupation_title("waiter", "pt", "male") == "empregado de mesa"
    assert life_stage_label("retired", "de-AT", "female") == "Pensionistin"
    assert education_label("upper_secondary", "es-MX") == "preparatoria"


def test_no_tables_load_at_import() -> None:
    # A fresh interpreter: a compiled module cannot be imported anew in this one.
    import subprocess
    import sys

    code = (
        "import avatar_data_generator.generation.population as pop\n"
        "from avatar_data_generator.generation.population import tables\n"
        "print(tables.table.cache_info().currsize, pop.sample_person.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "sample_person"]
    assert pop.sample_person is sample_person
