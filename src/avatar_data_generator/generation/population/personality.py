"""Big Five scores (0-100) drawn through a discretised normal, and a short localised phrase."""

from __future__ import annotations

import math
from functools import cache, lru_cache
from typing import Any

from avatar_data_generator.generation.population.draw import Rand, bisect_floats
from avatar_data_generator.generation.population.tables import table

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
_SPAN = 12  # mean offsets precomputed: -_SPAN .. +_SPAN points
_EXTREME = 8  # a trait enters the phrase when it is at least this far from 50


@lru_cache(maxsize=1)
def _score_tables() -> tuple[tuple[float, ...], ...]:
    """Per integer mean offset, the cumulative shares of the scores 0..100."""
    sd = float(table("personality")["sd"])
    out = []
    for off in range(-_SPAN, _SPAN + 1):
        mu = 50.0 + off
        cum = [0.5 * (1 + math.erf((k + 0.5 - mu) / (sd * math.sqrt(2)))) for k in range(100)]
        out.append((*cum, 1.0))
    return tuple(out)


@cache
def offsets(sex: str, age: int) -> tuple[int, ...]:
    """Per trait, the integer mean offset of one sex at one age."""
    data = table("personality")
    out = []
    for trait in TRAITS:
        half = data["sex_shift"][trait] / 2
        per_year, start, cap = data["age_shift"][trait]
        age_part = max(min(per_year * max(age - start, 0), max(cap, 0)), min(cap, 0))
        value = age_part + (half if sex == "female" else -half)
        out.append(max(-_SPAN, min(_SPAN, round(value))))
    return tuple(out)


def draw_big_five(rand: Rand, sex: str, age: int) -> dict[str, int]:
    """Five trait scores, one uniform each."""
    t = _score_tables()
    o, c, e, a, n = offsets(sex, age)
    return {
        "openness": bisect_floats(t[o + _SPAN], rand()),
        "conscientiousness": bisect_floats(t[c + _SPAN], rand()),
        "extraversion": bisect_floats(t[e + _SPAN], rand()),
        "agreeableness": bisect_floats(t[a + _SPAN], rand()),
        "neuroticism": bisect_floats(t[n + _SPAN], rand()),
    }


def _word(entry: Any, sex: str) -> str:
    """A word that may have [female, male] forms."""
    if isinstance(entry, list):
        return str(entry[0] if sex == "female" else entry[1])
    return str(entry)


@lru_cache(maxsize=65536)
def _phrase(lang: str, sex: str, key: tuple[tuple[int, bool], ...]) -> str:
    """The phrase for up to two (trait index, high) pairs."""
    words = table("personality")["words"]
    lex = words.get(lang) or words.get(lang.split("-")[0]) or words["en"]
    if not key:
        return _word(lex["balanced"], sex)
    parts = [_word(lex[TRAITS[i]][0 if high else 1], sex) for i, high in key]
    return parts[0] if len(parts) == 1 else str(lex["join"]).format(a=parts[0], b=parts[1])


def phrase_key(big_five: dict[str, int]) -> tuple[tuple[int, bool], ...]:
    """The one or two traits furthest from 50 (ties: the earlier trait), with their pole."""
    best = second = -1
    best_d = second_d = -1
    for i, trait in enumerate(TRAITS):
        d = abs(big_five[trait] - 50)
        if d > best_d:
            second, second_d, best, best_d = best, best_d, i, d
        elif d > second_d:
            second, second_d = i, d
    key = []
    for i, d in ((best, best_d), (second, second_d)):
        if d >= _EXTREME:
            key.append((i, big_five[TRAITS[i]] > 50))
    return tuple(key)


def trait_words(big_five: dict[str, int], lang: str, sex: str) -> str:
    """A short phrase in a language for the one or two most marked traits."""
    return _phrase(lang, sex, phrase_key(big_five))
