"""Education attainment by country, age, sex and life stage (what a person has completed)."""

from __future__ import annotations

from array import array
from functools import cache
from math import fsum  # correctly rounded: the same on every Python (3.12 changed sum())
from typing import Any

from avatar_data_generator.generation.population.ages import single_year
from avatar_data_generator.generation.population.draw import cumulate
from avatar_data_generator.generation.population.rules import EDUCATION, EDUCATION_MIN_AGE, STAGES
from avatar_data_generator.generation.population.stages import stage_table

# How much likelier than the age group's average each stage is to hold a tertiary degree
# (renormalised per age so the age group's share is kept).
_STAGE_TILT = {"employed": 1.15, "unemployed": 0.8, "homemaker": 0.6, "retired": 1.0}
# Share of a cohort's eventual tertiary graduates who have finished by each age under 25.
_YOUNG_RAMP = {19: 0.05, 20: 0.1, 21: 0.25, 22: 0.4, 23: 0.55, 24: 0.65}
_DOWNGRADE = {"doctorate": "master", "master": "bachelor", "bachelor": "short_tertiary",
              "short_tertiary": "upper_secondary", "post_secondary": "upper_secondary",
              "upper_secondary": "lower_secondary", "lower_secondary": "primary",
              "primary": "none"}  # fmt: skip


def _interp(young: float, old: float, age: int, slope_after: float = 0.8) -> float:
    """A cohort share: `young` at 30, `old` at 60, linear between, the trend damped after 60."""
    if age <= 30:
        return young
    if age <= 60:
        return young + (old - young) * (age - 30) / 30
    return old + (old - young) / 30 * slope_after * (age - 60)


def _raw_tertiary(row: dict[str, Any], age: int) -> float:
    """Tertiary share of a cohort before calibration."""
    _, young, old = row["tertiary"]
    return max(0.3 * old, _interp(young, old, age))


@cache
def _calibration(code: str) -> float:
    """Factor that makes the population-weighted 25-64 tertiary share equal the published one."""
    row = _row(code)
    women, men = single_year(code, "female"), single_year(code, "male")
    pop = [f + m for f, m in zip(women, men, strict=True)]
    num = fsum(pop[a] * _raw_tertiary(row, a) for a in range(25, 65))
    return row["tertiary"][0] * fsum(pop[25:65]) / num


def _row(code: str) -> dict[str, Any]:
    from avatar_data_generator.generation.population.tables import table

    return dict(table("education")["countries"][code])


def _adult_shares(code: str, sex: str, age: int, tilt: float) -> list[float]:
    """Level shares of someone 25+ (tilt scales the tertiary share)."""
    row = _row(code)
    ratio = _interp(row["f_m"][0], row["f_m"][1], min(age, 60))
    sex_factor = 2 * ratio / (1 + ratio) if sex == "female" else 2 / (1 + ratio)
    tert = min(0.92, _raw_tertiary(row, age) * _calibration(code) * sex_factor * tilt)
    below = min(0.97 - tert, max(0.0, _interp(row["below_upper"][0], row["below_upper"][1], age)))
    rest = max(0.0, 1.0 - tert - below)
    post = rest * row["post_secondary"]
    none, primary, lower = (below * x for x in row["below_split"])
    short, bachelor, master, doctorate = (tert * x for x in row["tertiary_split"])
    return [none, primary, lower, rest - post, post, short, bachelor, master, doctorate]


def _young_shares(code: str, sex: str, age: int) -> list[float]:
    """Level shares of someone 16-24 who is not enrolled."""
    shares = _adult_shares(code, sex, 25, 1.0)
    ramp = _YOUNG_RAMP.get(age, 0.0)
    tert = fsum(shares[5:])
    shares[5:] = [x * ramp for x in shares[5:]]
    shares[3] += tert * (1 - ramp) * 0.7
    shares[2] += tert * (1 - ramp) * 0.3
    return shares


def _enrolled_shares(stage: str, age: int) -> list[float]:
    """What a pupil or student has completed so far."""
    out = [0.0] * len(EDUCATION)
    if stage == "pupil":
        out[1 if age < 16 else 2] = 1.0
        return out
    bachelor = min(0.5, 0.12 * max(0, age - 20))
    master = min(0.3, 0.05 * max(0, age - 22))
    out[6], out[7] = bachelor, master
    out[3] = 1.0 - bachelor - master
    return out


def _enforce_min_ages(shares: list[float], age: int) -> list[float]:
    """Move the mass of levels not yet possible at this age down to the next possible level."""
    out = dict(zip(EDUCATION, shares, strict=True))
    for level in reversed(EDUCATION):
        if out[level] > 0 and EDUCATION_MIN_AGE[level] > age:
            out[_DOWNGRADE[level]] += out[level]
            out[level] = 0.0
    return [out[level] for level in EDUCATION]


WIDTH = len(EDUCATION)  # entries per age in an education table


@cache
def education_table(code: str, sex: str) -> tuple[array, ...]:
    """Per stage, ages 0..100 one after the other: cumulative shares of the EDUCATION levels."""
    stages = stage_table(code, sex)
    by_stage = [array("d") for _ in STAGES]
    for age in range(101):
        cum = stages[age * len(STAGES) : (age + 1) * len(STAGES)]
        probs = [cum[0]] + [cum[i] - cum[i - 1] for i in range(1, len(cum))]
        non_enrolled = {s: p for s, p in zip(STAGES, probs, strict=True) if s in _STAGE_TILT}
        mass = fsum(non_enrolled.values())
        norm = fsum(p * _STAGE_TILT[s] for s, p in non_enrolled.items()) / mass if mass else 1.0
        for i, stage in enumerate(STAGES):
            if stage in ("pupil", "student"):
                shares = _enrolled_shares(stage, age)
            elif age < 25:
                shares = _young_shares(code, sex, age)
            else:
                shares = _adult_shares(code, sex, age, _STAGE_TILT[stage] / norm)
            by_stage[i].extend(cumulate(_enforce_min_ages(shares, max(age, 0))))
    return tuple(by_stage)


def expected_tertiary(code: str) -> dict[str, float]:
    """The published tertiary share of 25-64 year-olds and the doctorate share implied."""
    row = _row(code)
    return {"tertiary_25_64": row["tertiary"][0],
            "doctorate_25_64": row["tertiary"][0] * row["tertiary_split"][3]}  # fmt: skip
