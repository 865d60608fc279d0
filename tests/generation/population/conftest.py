"""Shared helpers of the population tests."""

from __future__ import annotations

import random
from datetime import date

from avatar_data_generator.generation.population import PersonFacts, sample_person

TODAY = date(2026, 1, 1)
GENDERS = ("female", "male", "non-binary")


def draw(
    code: str, n: int, seed: int = 1, age_min: int = 13, age_max: int = 100
) -> list[PersonFacts]:
    """n persons of one country, genders in turn, from one seeded generator."""
    rand = random.Random(seed).random
    return [sample_person(rand, code, GENDERS[i % 3], age_min, age_max, TODAY) for i in range(n)]
