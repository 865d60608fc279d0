"""The people of one batch: who lives where, of which gender, drawn jointly by the sampler.

Every draw of a batch comes from one `random.Random`, seeded from the task's seed, the batch,
the locale, the settings that shape the people and the data version: the same inputs give the
same people on any machine, and another locale or country list gives other people.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import allocate_genders
from avatar_data_generator.generation.population import (
    DATA_VERSION,
    PersonFacts,
    UnknownCountry,
    country_for_locale,
    resolve_country,
    sample_person,
)


def countries_of(settings: dict[str, Any], locale: str) -> tuple[str, ...]:
    """The countries people come from: the settings' list, else the locale's own country.

    Raises UnknownCountry for a country, or a locale without countries, that has no data: a
    country is never filled from another country's data.
    """
    named = [resolve_country(c) for c in settings.get("countries") or ()]
    if named:
        return tuple(dict.fromkeys(named))
    code = country_for_locale(locale or "en")
    if code is None:
        raise UnknownCountry(f"locale {locale}")
    return (code,)


def batch_rng(request: BatchRequest, countries: Sequence[str], stream: str = "") -> random.Random:
    """One generator for the batch, seeded from everything that shapes its people.

    `stream` names another sequence from the same inputs (the bios draw from "bios", so bio
    settings never change who the people are).
    """
    if request.seed is None:
        return random.Random()
    s = request.bio_settings or {}
    shape = (
        f"{request.seed}|{request.locale}|{','.join(countries)}|{s.get('age_min')}|"
        f"{s.get('age_max')}|{sorted((s.get('gender_mix') or {}).items())}|{DATA_VERSION}"
    ) + (f"|{stream}" if stream else "")
    return random.Random(int.from_bytes(hashlib.sha256(shape.encode()).digest()[:8], "big"))


def _genders(settings: dict[str, Any], count: int, rand: Callable[[], float]) -> list[str]:
    """The batch's genders, split by the settings' mix (systematic), in a random order."""
    split = allocate_genders(settings, count, rand())
    genders = [g for g, n in split.items() for _ in range(n)]
    for i in range(len(genders) - 1, 0, -1):  # Fisher-Yates on random() alone
        j = int(rand() * (i + 1))
        genders[i], genders[j] = genders[j], genders[i]
    return genders


def sample_batch(request: BatchRequest, today: date | None = None) -> list[PersonFacts]:
    """The facts of `request.count` people, countries taken in turn from a random start."""
    settings = request.bio_settings or {}
    countries = countries_of(settings, request.locale)
    rng = batch_rng(request, countries)
    rand = rng.random
    today = today or request.as_of or date.today()
    age_min, age_max = int(settings.get("age_min", 18)), int(settings.get("age_max", 70))
    start = int(rand() * len(countries))
    return [
        sample_person(
            rand, countries[(start + i) % len(countries)], gender, age_min, age_max, today
        )
        for i, gender in enumerate(_genders(settings, request.count, rand))
    ]
