"""Life stage from age and sex: school, tertiary study, work, unemployment, home, retirement."""

from __future__ import annotations

from array import array
from functools import cache
from math import fsum  # correctly rounded: the same on every Python (3.12 changed sum())
from typing import Any

from avatar_data_generator.generation.population.draw import cumulate
from avatar_data_generator.generation.population.rules import STAGES
from avatar_data_generator.generation.population.tables import table

# Relative tertiary enrolment by single year inside 18-24 (peaks at 19-21), mean 1.
_STUDY_PROFILE = {18: 0.85, 19: 1.1, 20: 1.15, 21: 1.1, 22: 1.0, 23: 0.85, 24: 0.7}
_STUDY_MEAN = fsum(_STUDY_PROFILE.values()) / len(_STUDY_PROFILE)
# Participation after 65 relative to the published 65+ rate, by five-year group.
_OLD_ACTIVITY = ((70, 2.2), (75, 1.0), (80, 0.45), (85, 0.2), (101, 0.0))
# Share of inactive people under the pension age who call themselves retired, by age.
_EARLY_RETIRED = ((55, 0.15), (60, 0.45), (101, 0.75))


def _lookup(steps: tuple[tuple[int, float], ...], age: int) -> float:
    """The value of the first step whose upper bound (exclusive) exceeds age."""
    return next(v for upper, v in steps if age < upper)


def _enrolled(row: dict[str, Any], age: int) -> tuple[float, float]:
    """(pupil, student) shares at one age."""
    school, tertiary = row["school_16_17"], row["tertiary_18_24"]
    if age < 16:
        return 1.0, 0.0
    if age < 18:
        pupil = min(1.0, school * (1.03 if age == 16 else 0.97))
        return pupil, (1.0 - pupil) * 0.05 * tertiary if age == 17 else 0.0
    pupil = {18: 0.3, 19: 0.08}.get(age, 0.0) * school
    if age <= 24:
        student = tertiary * _STUDY_PROFILE[age] / _STUDY_MEAN
    else:
        student = tertiary * (0.22 if age < 30 else 0.07 if age < 35 else 0.02 if age < 45 else 0)
    student = min(student, 0.97 - pupil)
    return pupil, student


def _activity(row: dict[str, Any], s: int, age: int, youth: float) -> float:
    """Share of the not-enrolled who are in the labour force at one age."""
    l1, l2, l3 = row["lfpr_25_54"][s], row["lfpr_55_64"][s], row["lfpr_65p"][s]
    ret = int(row["ret_age"][s])
    if age < 25:
        return youth
    pre = min(max(ret - 55, 0), 10)
    post = l2 if pre == 0 else min(l2, 2.2 * l3)
    before = l2 if pre == 10 else min(l1, max(l2, (10 * l2 - (10 - pre) * post) / max(pre, 1)))
    if age < 50:
        return l1
    if age < 55:
        return l1 + (before - l1) * (age - 49) / 6 if age < ret else max(post, l2)
    if age < 65:
        return before if age < ret else post
    return min(l3 * _lookup(_OLD_ACTIVITY, age), before)


def _youth_activity(row: dict[str, Any], s: int) -> float:
    """Participation of 16-24 year-olds who are not enrolled, from the 15-24 rate."""
    enrolled = fsum(fsum(_enrolled(row, a)) for a in range(15, 25)) / 10
    return max(0.1, min(0.92, 0.8 * row["lfpr_15_24"][s] / max(1.0 - enrolled, 0.05)))


WIDTH = len(STAGES)  # entries per age in a stage table


@cache
def stage_table(code: str, sex: str) -> array:
    """Ages 0..100 one after the other: the cumulative shares of the life stages (STAGES order).

    Flat, so one country costs kilobytes; an age's row is [age * WIDTH, (age + 1) * WIDTH).
    """
    row = table("labour")["countries"][code]
    s = 0 if sex == "female" else 1
    youth = _youth_activity(row, s)
    ret = int(row["ret_age"][s])
    retired_share = row["retired_share"][s]
    out = array("d")
    for age in range(101):
        if age < 16:
            out.extend(cumulate((1, 0, 0, 0, 0, 0)))
            continue
        pupil, student = _enrolled(row, age)
        rest = max(0.0, 1.0 - pupil - student)
        active = rest * _activity(row, s, age, youth)
        jobless = row["unemp"][0 if age < 25 else 1]
        inactive = rest - active
        if age < 50:
            retired = 0.0
        elif age < ret:
            retired = inactive * retired_share * _lookup(_EARLY_RETIRED, age)
        else:
            retired = inactive * retired_share
        weights = (pupil, student, active * (1 - jobless), active * jobless, inactive - retired)
        out.extend(cumulate((*weights, retired)))
    return out
