"""The consistency rules in one place: ages for degrees, jobs and life stages; names and sex."""

from __future__ import annotations

STAGES: tuple[str, ...] = ("pupil", "student", "employed", "unemployed", "homemaker", "retired")

#: ISCED 2011 attainment levels, lowest first.
EDUCATION: tuple[str, ...] = (
    "none", "primary", "lower_secondary", "upper_secondary", "post_secondary",
    "short_tertiary", "bachelor", "master", "doctorate",
)  # fmt: skip
RANK = {level: i for i, level in enumerate(EDUCATION)}
TERTIARY = frozenset(("short_tertiary", "bachelor", "master", "doctorate"))

#: The youngest age at which the sampler lets someone have completed a level.
EDUCATION_MIN_AGE = {
    "none": 0, "primary": 11, "lower_secondary": 15, "upper_secondary": 17,
    "post_secondary": 19, "short_tertiary": 19, "bachelor": 21, "master": 23, "doctorate": 27,
}  # fmt: skip
#: Below these ages a completed level is a hard contradiction (realism violations).
EDUCATION_HARD_FLOOR = {"bachelor": 20, "master": 22, "doctorate": 25}
HARD_RULE_NAMES = {"bachelor": "bachelor_under_20", "master": "master_under_22",
                   "doctorate": "doctorate_under_25"}  # fmt: skip

WORK_MIN_AGE = 16  # nobody younger is employed, unemployed or a homemaker
RETIRED_MIN_AGE = 50
PUPIL_MAX_AGE = 19
STUDENT_MIN_AGE = 17
EMPLOYED_MAX_AGE = 84  # the sampler stops employment here; older workers are a soft flag


def stage_allowed(stage: str, age: int) -> bool:
    """Whether a life stage is possible at an age (the hard rules)."""
    if stage == "pupil":
        return age <= PUPIL_MAX_AGE
    if stage == "student":
        return age >= STUDENT_MIN_AGE
    if stage in ("employed", "unemployed", "homemaker"):
        return age >= WORK_MIN_AGE
    if stage == "retired":
        return age >= RETIRED_MIN_AGE
    return False


def education_allowed(level: str, age: int) -> bool:
    """Whether the sampler may give this completed level at this age."""
    return age >= EDUCATION_MIN_AGE[level]


def education_violation(level: str, age: int) -> str | None:
    """The hard rule a completed level breaks at this age, if any."""
    floor = EDUCATION_HARD_FLOOR.get(level)
    return HARD_RULE_NAMES[level] if floor is not None and age < floor else None


def occupation_min_age(key: str) -> int:
    """Minimum age of an occupation of the table (16 for unknown keys)."""
    from avatar_data_generator.generation.population.occupations import occupation_index

    occ = occupation_index().get(key)
    return occ.min_age if occ is not None else WORK_MIN_AGE


def occupation_min_education(key: str) -> str:
    """Minimum education level of an occupation of the table ('none' for unknown keys)."""
    from avatar_data_generator.generation.population.occupations import occupation_index

    occ = occupation_index().get(key)
    return occ.min_edu if occ is not None else "none"


def name_sexes(first_name: str, country_code: str | None = None) -> frozenset[str]:
    """Sexes a first name has in the name tables (in that country if given, else anywhere)."""
    from avatar_data_generator.generation.population.names import lexicon_sexes

    return lexicon_sexes(first_name, country_code)
