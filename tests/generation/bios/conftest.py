"""Shared helpers of the bio tests: personas of a country, and one with chosen facts."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date

from avatar_data_generator.generation.bios import BioSpec, write_bios
from avatar_data_generator.generation.population import PersonFacts, sample_person

TODAY = date(2026, 1, 1)
GENDERS = ("female", "male", "non-binary")
#: A country whose main language is each bio language.
HOME = {
    "en": "US",
    "es": "ES",
    "pt": "BR",
    "de": "DE",
    "fr": "FR",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "tr": "TR",
    "ja": "JP",
    "ko": "KR",
    "zh": "CN",
    "hi": "IN",
    "ar": "EG",
}


def people(code: str, n: int, seed: int = 1) -> list[PersonFacts]:
    """n persons of one country aged 13 to 100, genders in turn."""
    rand = random.Random(seed).random
    return [sample_person(rand, code, GENDERS[i % 3], 13, 100, TODAY) for i in range(n)]


def someone(code: str, seed: int = 1, **facts: object) -> PersonFacts:
    """A person of a country with some facts replaced (sex, age, life_stage, occupation_key …)."""
    rand = random.Random(seed).random
    base = sample_person(rand, code, "female", 30, 50, TODAY)
    return dataclasses.replace(base, **facts)  # type: ignore[arg-type]


def bios_of(
    persons: list[PersonFacts], spec: BioSpec, lang: str | None = None, seed: int = 7
) -> list[dict[str, str]]:
    """Every person's bios from one seeded generator."""
    rand: Callable[[], float] = random.Random(seed).random
    return [write_bios(p, spec, lang, rand) for p in persons]
