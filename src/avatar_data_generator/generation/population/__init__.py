"""Population sampler: persons whose facts agree with each other and with their country.

Pure Python and free of Flask and the database. Tables load lazily, once per process. Every draw
comes from one `rand()` through inverse CDFs, so a seed reproduces the same people.
"""

from __future__ import annotations

from avatar_data_generator.generation.population.countries import (
    Country,
    UnknownCountry,
    country,
    country_for_locale,
    resolve_country,
)
from avatar_data_generator.generation.population.interests import interest_name
from avatar_data_generator.generation.population.labels import education_label, life_stage_label
from avatar_data_generator.generation.population.occupations import occupation_index, title
from avatar_data_generator.generation.population.person_facts import PersonFacts
from avatar_data_generator.generation.population.personality import trait_words
from avatar_data_generator.generation.population.rules import STAGES
from avatar_data_generator.generation.population.sampler import sample_person
from avatar_data_generator.generation.population.tables import DATA_VERSION, LANGUAGES, SUPPORTED


def occupation_title(key: str, lang: str, sex: str) -> str:
    """An occupation's title (or a life stage's word) in a language, in the form of a sex."""
    if key in STAGES:
        return life_stage_label(key, lang, sex)
    occ = occupation_index().get(key)
    if occ is None:
        raise ValueError(f"unknown occupation {key!r}")
    return title(occ, lang, sex)


__all__ = [
    "DATA_VERSION",
    "LANGUAGES",
    "SUPPORTED",
    "Country",
    "PersonFacts",
    "UnknownCountry",
    "country",
    "country_for_locale",
    "education_label",
    "interest_name",
    "life_stage_label",
    "occupation_title",
    "resolve_country",
    "sample_person",
    "trait_words",
]
