"""First names by sex and birth cohort, surnames (sex-specific where the language has them)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from avatar_data_generator.generation.population.draw import bisect_floats, cumulate
from avatar_data_generator.generation.population.tables import SUPPORTED, table
from avatar_data_generator.generation.population.text import ascii_fold, fold


@dataclass(frozen=True, slots=True)
class Name:
    """A name in the country's script, its Latin form and its ASCII handle form."""

    native: str
    latin: str
    handle: str


@dataclass(frozen=True, slots=True)
class NameTable:
    """One country's names, ready to draw from."""

    cohorts: tuple[int, ...]  # birth years at which the next cohort's weights start
    first: tuple[tuple[tuple[tuple[float, ...], tuple[Name, ...]], ...], ...]  # [sex][cohort]
    surnames: tuple[tuple[Name, Name], ...]  # (female form, male form)
    surname_cum: tuple[float, ...]
    second_surname: float  # share of people with a second (maternal) surname


def _name(native: str, latin: str | None) -> Name:
    """A name with its Latin and handle forms."""
    lat = latin or native
    return Name(native, lat, ascii_fold(lat) or "x")


def _split(text: str) -> tuple[str, str | None]:
    """'Native|Latin' -> (native, latin); a plain name has no separate Latin form."""
    native, _, latin = text.partition("|")
    return native, latin or None


def first_rows(data: dict[str, Any], sex: str) -> list[tuple[str, str | None, tuple[float, ...]]]:
    """(native, latin, weight per cohort) of one sex, from explicit weights or ranked lists."""
    n = len(data.get("cohorts", (1960, 1990))) + 1
    entry = data[sex]
    if isinstance(entry, dict):  # {"ranked": [[names of cohort 0], ...]}: Zipf weights by rank
        exponents = data.get("zipf", [0.8, 0.7, 0.55])
        weights: dict[str, list[float]] = {}
        for c, names in enumerate(entry["ranked"]):
            for rank, text in enumerate(names, start=1):
                weights.setdefault(text, [0.0] * n)[c] += rank ** -exponents[c]
        return [(*_split(t), tuple(w)) for t, w in weights.items()]
    latin = bool(data.get("latin"))
    out = []
    for r in entry:
        native, lat = (str(r[0]), str(r[1])) if latin else (str(r[0]), None)
        ws = [float(x) for x in r[2 if latin else 1 :]]
        out.append((native, lat, tuple(ws * n if len(ws) == 1 else ws)))
    return out


def surname_rows(data: dict[str, Any]) -> list[tuple[Name, Name, float]]:
    """(female form, male form, weight) of every surname; bare strings get Zipf weights."""
    latin = bool(data.get("latin"))
    exponent = float(data.get("surname_zipf", 0.9))
    out = []
    for rank, row in enumerate(data["surnames"], start=1):
        if isinstance(row, str):
            text, weight = row, rank**-exponent
        else:
            text = f"{row[0]}|{row[1]}" if latin and len(row) == 3 else str(row[0])
            weight = float(row[-1])
        female, _, male = text.partition("/")
        f, m = _name(*_split(female)), _name(*_split(male or female))
        out.append((f, m, weight))
    return out


# shared set objects: a lexicon of thousands of names holds three distinct values
_SEXES = {s: s for s in (frozenset({"female"}), frozenset({"male"}), frozenset({"female", "male"}))}
_Pool = tuple[tuple[float, ...], tuple[Name, ...]]


def _first(rows: list[tuple[str, str | None, tuple[float, ...]]], n: int) -> tuple[_Pool, ...]:
    """Per cohort, the cumulative weights and names of one sex."""
    names = tuple(_name(native, latin) for native, latin, _ in rows)
    out = []
    for c in range(n):
        keep = tuple(i for i, r in enumerate(rows) if r[2][c] > 0)
        out.append((cumulate(rows[i][2][c] for i in keep), tuple(names[i] for i in keep)))
    return tuple(out)


@cache
def name_table(code: str) -> NameTable:
    """The name table of one country."""
    data = table(f"names/{code}")
    cohorts = tuple(data.get("cohorts", (1960, 1990)))
    n = len(cohorts) + 1
    first = (_first(first_rows(data, "female"), n), _first(first_rows(data, "male"), n))
    rows = surname_rows(data)
    surnames = tuple((f, m) for f, m, _ in rows)
    second = float(data.get("second_surname", 0.0))
    return NameTable(cohorts, first, surnames, cumulate(w for _, _, w in rows), second)


def draw_first(names: NameTable, sex: int, birth_year: int, u: float) -> Name:
    """A first name of this sex (0 female, 1 male) for someone born in birth_year."""
    cum, pool = names.first[sex][bisect_right(names.cohorts, birth_year)]
    return pool[bisect_floats(cum, u)]


def draw_surname(names: NameTable, sex: int, u: float) -> Name:
    """A surname in the form of this sex."""
    return names.surnames[bisect_floats(names.surname_cum, u)][sex]


@cache
def country_lexicon(code: str) -> dict[str, frozenset[str]]:
    """Folded first name (native and Latin) -> the sexes it has in this country's table."""
    data = table(f"names/{code}")
    out: dict[str, set[str]] = {}
    for sex in ("female", "male"):
        for native, latin, _ in first_rows(data, sex):
            for text in (native, latin) if latin else (native,):
                out.setdefault(fold(text), set()).add(sex)
    for text in data.get("unisex", []):
        out.setdefault(fold(text), set()).update(("female", "male"))
    return {k: _SEXES[frozenset(v)] for k, v in out.items()}


@lru_cache(maxsize=1)
def global_lexicon() -> dict[str, frozenset[str]]:
    """Folded first name -> the sexes it has in any country's table."""
    out: dict[str, set[str]] = {}
    for code in SUPPORTED:
        for name, sexes in country_lexicon(code).items():
            out.setdefault(name, set()).update(sexes)
    return {k: _SEXES[frozenset(v)] for k, v in out.items()}


def lexicon_sexes(first_name: str, country_code: str | None = None) -> frozenset[str]:
    """Sexes of a first name (its first word) in one country's table, else in any table."""
    key = fold(first_name)
    words = [key, key.split(" ")[0].split("-")[0]] if key else []
    for lex in ([country_lexicon(country_code)] if country_code in SUPPORTED else []) + [
        global_lexicon()
    ]:
        for w in words:
            if w in lex:
                return lex[w]
    return frozenset()
