"""Regions and cities weighted by population (GeoNames), and which country a city name is in."""

from __future__ import annotations

from functools import cache, lru_cache

from avatar_data_generator.generation.population.draw import bisect_floats, cumulate
from avatar_data_generator.generation.population.tables import SUPPORTED, table
from avatar_data_generator.generation.population.text import fold


@cache
def city_table(code: str) -> tuple[tuple[float, ...], tuple[tuple[str, str], ...]]:
    """(cumulative population shares, (city, region) pairs) of one country."""
    row = table("places")["countries"][code]
    regions = row["regions"]
    cities = tuple((str(c[0]), str(regions[c[1]])) for c in row["cities"])
    return cumulate(float(c[2]) for c in row["cities"]), cities


def draw_city(code: str, u: float) -> tuple[str, str]:
    """(city, region) drawn by population."""
    cum, cities = city_table(code)
    return cities[bisect_floats(cum, u)]


@lru_cache(maxsize=1)
def known_cities() -> dict[str, frozenset[str]]:
    """Country -> folded names of its cities (>= 15,000 inhabitants, and alternate names)."""
    out: dict[str, frozenset[str]] = {}
    for code in SUPPORTED:
        row = table("places")["countries"][code]
        names = {_same(n) for n in row["known"]}
        names.update(fold(c[0]) for c in row["cities"])
        out[code] = frozenset(names)
    return out


def _same(name: str) -> str:
    """The folded name, reusing the table's string when it is already folded (less memory)."""
    key = fold(name)
    return name if key == name else key


def city_in(city: str, code: str) -> bool | None:
    """True if the city is known in the country, False if known only elsewhere, None if unknown."""
    known = known_cities()
    here = known.get(code, frozenset())
    whole, first = fold(city), fold(city.split(",")[0])  # "Paris, France" names Paris
    if whole in here or first in here:
        return True
    return False if any(first in names for names in known.values()) else None
