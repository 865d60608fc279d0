"""Interests whose shares vary with age, sex and country, named in the 14 languages."""

from __future__ import annotations

from bisect import bisect_right
from functools import cache, lru_cache
from typing import Any

from avatar_data_generator.generation.population.draw import Rand, bisect_floats, cumulate
from avatar_data_generator.generation.population.tables import table

_TRIES = 24  # redraws allowed per slot when a drawn interest is already taken


@lru_cache(maxsize=1)
def items() -> tuple[tuple[Any, ...], ...]:
    """Every interest row: (key, base, age multipliers, sex multipliers, countries, names)."""
    head = table("interests")
    rows = list(head["items"])
    for name in head.get("files", ()):
        rows.extend(table(name)["items"])
    return tuple(tuple(r) for r in rows)


@lru_cache(maxsize=1)
def keys() -> tuple[str, ...]:
    """Interest keys in table order."""
    return tuple(str(r[0]) for r in items())


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    return {str(r[0]): dict(r[5]) for r in items()}


def interest_name(key: str, lang: str) -> str:
    """The name of an interest in a language (falls back to English, then the key)."""
    names = _names().get(key, {})
    return names.get(lang) or names.get(lang.split("-")[0]) or names.get("en") or key


def band(age: int) -> int:
    """Index of the age band."""
    return bisect_right(table("interests")["bands"], age - 1) if age > 0 else 0


@cache
def interest_table(code: str) -> tuple[tuple[tuple[float, ...], ...], ...]:
    """[sex 0 female / 1 male][age band] -> cumulative weights over `keys()`."""
    out = []
    for s in (0, 1):
        per_band = []
        for b in range(len(table("interests")["bands"])):
            weights = (float(r[1]) * r[2][b] * r[3][s] * r[4].get(code, 1.0) for r in items())
            per_band.append(cumulate(weights))
        out.append(tuple(per_band))
    return tuple(out)


@cache
def names_in(lang: str) -> tuple[str, ...]:
    """Every interest's name in one language, in `keys()` order."""
    return tuple(interest_name(k, lang) for k in keys())


def draw_interests(rand: Rand, cum: tuple[float, ...]) -> list[int]:
    """3-5 distinct interest indices from one (country, sex, age band) cumulative table."""
    n = 3 + int(rand() * 3)
    chosen: list[int] = []
    for _ in range(n):
        for _ in range(_TRIES):
            i = bisect_floats(cum, rand())
            if i not in chosen:
                chosen.append(i)
                break
    return chosen
