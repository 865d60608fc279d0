"""Occupations: the ISCO-08 table, localised gendered titles, and per-country choice models."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache
from math import fsum  # correctly rounded: the same on every Python (3.12 changed sum())

from avatar_data_generator.generation.population.ages import single_year
from avatar_data_generator.generation.population.education import education_table
from avatar_data_generator.generation.population.rules import EDUCATION, RANK, STAGES
from avatar_data_generator.generation.population.stages import stage_table
from avatar_data_generator.generation.population.tables import table

_UNDER, _OVER = 0.9, 0.5  # affinity decay per level below / above an occupation's typical one
_EMPLOYED = STAGES.index("employed")


@dataclass(frozen=True, slots=True)
class Occupation:
    """One occupation of the table."""

    key: str
    isco: str
    group: int
    min_age: int
    min_edu: str
    typ: str
    weight: float
    female: float
    titles: dict[str, tuple[str, str]]  # language tag -> (female form, male form)

    def affinity(self, level: str) -> float:
        """How well a completed education level fits this occupation (0 if below its minimum)."""
        r, lo, typ = RANK[level], RANK[self.min_edu], RANK[self.typ]
        if r < lo:
            return 0.0
        return math.exp(-_UNDER * (typ - r)) if r < typ else math.exp(-_OVER * (r - typ))


@lru_cache(maxsize=1)
def occupations() -> tuple[Occupation, ...]:
    """Every occupation, in table order."""
    out: list[Occupation] = []
    for name in table("occupations/index")["files"]:
        for row in table(f"occupations/{name}")["occupations"]:
            titles = {
                lang: (t, t) if isinstance(t, str) else (t[0], t[1]) for lang, t in row["t"].items()
            }
            out.append(Occupation(row["key"], row["isco"], int(row["isco"][0]), row["min_age"],
                                  row["min_edu"], row["typ"], float(row["w"]), float(row["f"]),
                                  titles))  # fmt: skip
    return tuple(out)


@lru_cache(maxsize=1)
def occupation_index() -> dict[str, Occupation]:
    """Key -> occupation."""
    return {o.key: o for o in occupations()}


def title(occ: Occupation, lang: str, sex: str) -> str:
    """The title in a language tag ('de', 'pt-BR'), female or male form."""
    forms = occ.titles.get(lang) or occ.titles.get(lang.split("-")[0]) or occ.titles["en"]
    return forms[0] if sex == "female" else forms[1]


@lru_cache(maxsize=1)
def age_thresholds() -> tuple[int, ...]:
    """The distinct minimum ages, sorted: the age buckets of the choice tables."""
    return tuple(sorted({o.min_age for o in occupations()}))


def age_bucket(age: int) -> int:
    """Index of the last threshold not above age (ages under the lowest map to 0)."""
    return max(bisect_right(age_thresholds(), age) - 1, 0)


def _base(code: str) -> list[list[list[list[float]]]]:
    """[bucket][sex][level] -> unnormalised weight of each occupation, before group fitting."""
    extra = table("occupations/index")["country_weights"].get(code, {})
    occs = occupations()
    out = []
    for threshold in age_thresholds():
        by_sex = []
        for s in (0, 1):
            rows = []
            for level in EDUCATION:
                rows.append([
                    o.weight * extra.get(o.key, 1.0) * (o.female if s == 0 else 1 - o.female)
                    * o.affinity(level) if o.min_age <= threshold else 0.0
                    for o in occs
                ])  # fmt: skip
            by_sex.append(rows)
        out.append(by_sex)
    return out


@cache
def _employed_mass(code: str) -> list[list[list[float]]]:
    """[bucket][sex][level] -> population weight of the employed (from the pyramid and models)."""
    buckets = len(age_thresholds())
    out = [[[0.0] * len(EDUCATION) for _ in (0, 1)] for _ in range(buckets)]
    for s, sex in enumerate(("female", "male")):
        pop, stages = single_year(code, sex), stage_table(code, sex)
        edu = education_table(code, sex)
        for age in range(16, 101):
            cum = stages[age * len(STAGES) : (age + 1) * len(STAGES)]
            employed = cum[_EMPLOYED] - cum[_EMPLOYED - 1]
            levels = edu[_EMPLOYED][age * len(EDUCATION) : (age + 1) * len(EDUCATION)]
            b = age_bucket(age)
            for i in range(len(EDUCATION)):
                share = levels[i] - (levels[i - 1] if i else 0.0)
                out[b][s][i] += pop[age] * employed * share
    return out


@cache
def group_factors(code: str) -> tuple[float, ...]:
    """Per ISCO major group, the factor that makes employment shares match ILOSTAT (by IPF)."""
    target = table("isco")["countries"][code]  # groups 1..9 then 0
    goal = [target[g - 1] if g else target[9] for g in range(10)]
    total = fsum(goal)
    groups = [o.group for o in occupations()]
    # per cell: its employed mass and, per major group, the summed base weight of that group
    cells = []
    for b, by_sex in enumerate(_base(code)):
        for s, rows in enumerate(by_sex):
            for e, weights in enumerate(rows):
                m = _employed_mass(code)[b][s][e]
                if m > 0:
                    per_group = [0.0] * 10
                    for w, g in zip(weights, groups, strict=True):
                        per_group[g] += w
                    cells.append((m, per_group))
    factor = [1.0 if goal[g] > 0 else 0.0 for g in range(10)]
    for _ in range(200):
        got = [0.0] * 10
        for m, per_group in cells:
            scaled = [w * f for w, f in zip(per_group, factor, strict=True)]
            z = fsum(scaled)
            if z > 0:
                for g in range(10):
                    got[g] += m * scaled[g] / z
        norm = fsum(got)
        worst = 0.0
        for g in range(10):
            if got[g] > 0 and goal[g] > 0:
                ratio = (goal[g] / total) / (got[g] / norm)
                factor[g] *= ratio
                worst = max(worst, abs(ratio - 1))
        if worst < 1e-6:
            break
    return tuple(factor)


@cache
def choice_tables(code: str) -> tuple[tuple[tuple[tuple[array, array], ...], ...], ...]:
    """[bucket][sex][level] -> (cumulative shares, occupation indices) of the fitted model.

    Compact arrays (float32 shares, 16-bit indices): exact comparisons, a few MB for all countries.
    """
    factor = group_factors(code)
    groups = [o.group for o in occupations()]
    out = []
    for by_sex in _base(code):
        sexes = []
        for rows in by_sex:
            cells = []
            for weights in rows:
                idx = array("H", (i for i, w in enumerate(weights) if w * factor[groups[i]] > 0))
                run, cum = 0.0, []
                for i in idx:
                    run += weights[i] * factor[groups[i]]
                    cum.append(run)
                cells.append((array("f", (c / run for c in cum)), idx))
            sexes.append(tuple(cells))
        out.append(tuple(sexes))
    return tuple(out)


def draw_occupation(code: str, age: int, sex: int, level: int, u: float) -> int:
    """Index (into `occupations()`) of an occupation for this age, sex (0 female) and level."""
    cum, idx = choice_tables(code)[age_bucket(age)][sex][level]
    return idx[bisect_right(cum, u)]
