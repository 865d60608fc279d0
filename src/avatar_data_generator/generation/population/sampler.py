"""One person's facts drawn jointly for a supported country, from a single uniform source."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from math import fsum  # correctly rounded: the same on every Python (3.12 changed sum())

from avatar_data_generator.generation.population import ages as _ages
from avatar_data_generator.generation.population.countries import UnknownCountry, country
from avatar_data_generator.generation.population.draw import Rand, bisect_floats, cumulate
from avatar_data_generator.generation.population.education import education_table
from avatar_data_generator.generation.population.handles import make_handles
from avatar_data_generator.generation.population.interests import (
    band,
    draw_interests,
    interest_table,
    names_in,
)
from avatar_data_generator.generation.population.interests import keys as interest_keys
from avatar_data_generator.generation.population.labels import (
    education_label,
    life_stage_label,
    retired_from,
)
from avatar_data_generator.generation.population.names import (
    NameTable,
    draw_first,
    draw_surname,
    name_table,
)
from avatar_data_generator.generation.population.occupations import (
    choice_tables,
    draw_occupation,
    occupations,
    title,
)
from avatar_data_generator.generation.population.person_facts import PersonFacts
from avatar_data_generator.generation.population.personality import (
    draw_big_five,
    phrase_key,
    trait_words,
)
from avatar_data_generator.generation.population.places import draw_city
from avatar_data_generator.generation.population.rules import EDUCATION, STAGES
from avatar_data_generator.generation.population.stages import stage_table
from avatar_data_generator.generation.population.tables import SUPPORTED, table

GENDERS = ("female", "male", "non-binary")
_SEXES = ("female", "male")
_LAST_JOB = 0.6  # share of retired people described by their former job
_NATURALISED = 0.4  # share of foreign-born residents who hold the residence nationality
_EMPLOYED, _RETIRED = STAGES.index("employed"), STAGES.index("retired")
_NS, _NE = len(STAGES), len(EDUCATION)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything one country's draws need, precomputed (texts in its language)."""

    code: str
    name: str
    demonym: str
    language: str
    tag: str  # language-COUNTRY, for country-specific wording
    shift: float  # rotates the age and birth-day uniforms, so countries sharing a seed differ
    age_cum: tuple[tuple[float, ...], tuple[float, ...]]
    stages: tuple[array, array]  # [sex] flat, WIDTH entries per age
    education: tuple[tuple[array, ...], tuple[array, ...]]  # [sex][stage] flat, 9 per age
    edu_text: tuple[str, ...]
    names: NameTable
    foreign_share: float
    origins: tuple[str, ...]
    origin_cum: tuple[float, ...]
    jobs: tuple[tuple[tuple[str, str, str, str], ...], ...]  # [sex][occ] local, en, retired x2
    stage_text: tuple[tuple[tuple[tuple[str, str], ...], ...], ...]  # [sex][stage][16+]
    interests: tuple[tuple[tuple[float, ...], ...], ...]  # [sex][age band] cumulative
    interest_names: tuple[str, ...]
    phrases: dict[tuple[int, tuple[tuple[int, bool], ...]], str]


_PLANS: dict[str, _Plan] = {}


def _jobs(tag: str, sex: str) -> tuple[tuple[str, str, str, str], ...]:
    """Per occupation: title, English title, 'retired ...' title, English 'retired ...'."""
    out = []
    for occ in occupations():
        local, en = title(occ, tag, sex), title(occ, "en", sex)
        out.append((local, en, retired_from(local, tag, sex), retired_from(en, "en", sex)))
    return tuple(out)


def _stage_text(tag: str, sex: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per stage, for under-16s and 16+: (local word, English word)."""
    label = life_stage_label
    return tuple(
        tuple((label(st, tag, sex, a), label(st, "en", sex, a)) for a in (15, 16)) for st in STAGES
    )


def plan(code: str) -> _Plan:
    """The precomputed plan of a supported country (built once per process)."""
    p = _PLANS.get(code)
    if p is None:
        c = country(code)
        tag = f"{c.language}-{c.code}"
        foreign = table("countries")["countries"][c.code].get("foreign", {})
        origins = tuple(o for o in foreign if o in SUPPORTED and o != c.code)
        choice_tables(c.code)  # fit the occupation model now rather than on the first draw
        shift = (SUPPORTED.index(c.code) + 1) * 0.6180339887498949 % 1.0
        p = _Plan(
            c.code, c.name, c.demonym, c.language, tag, shift,
            (_ages.cumulative(c.code, "female"), _ages.cumulative(c.code, "male")),
            (stage_table(c.code, "female"), stage_table(c.code, "male")),
            (education_table(c.code, "female"), education_table(c.code, "male")),
            tuple(education_label(level, tag) for level in EDUCATION),
            name_table(c.code), fsum(foreign[o] for o in origins), origins,
            cumulate(foreign[o] for o in origins) if origins else (1.0,),
            (_jobs(tag, "female"), _jobs(tag, "male")),
            (_stage_text(tag, "female"), _stage_text(tag, "male")),
            interest_table(c.code), names_in(c.language), {},
        )  # fmt: skip
        _PLANS[c.code] = p
    return p


def _occupation_text(
    p: _Plan, rand: Rand, stage_i: int, age: int, s: int, level: int
) -> tuple[str, str, str, str | None]:
    """(text, English text, key, ISCO code) of what a person does."""
    if stage_i == _EMPLOYED:
        i = draw_occupation(p.code, age, s, level, rand())
        job = p.jobs[s][i]
        occ = occupations()[i]
        return job[0], job[1], occ.key, occ.isco
    if stage_i == _RETIRED and rand() < _LAST_JOB:
        i = draw_occupation(p.code, age, s, level, rand())
        job = p.jobs[s][i]
        occ = occupations()[i]
        return job[2], job[3], occ.key, occ.isco
    local, en = p.stage_text[s][stage_i][age >= 16]
    return local, en, STAGES[stage_i], None


def sample_person(
    rand: Rand, country_code: str, gender: str, age_min: int, age_max: int, today: date
) -> PersonFacts:
    """Draw one person of a supported country; gender is 'female', 'male' or 'non-binary'."""
    p = _PLANS.get(country_code)
    if p is None:
        code = country_code.upper()
        if code not in SUPPORTED:
            raise UnknownCountry(country_code)
        p = plan(code)
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}")
    if not _ages.AGE_MIN <= age_min <= age_max <= _ages.AGE_MAX:
        _ages.check_range(age_min, age_max)
    s = (0 if rand() < 0.5 else 1) if gender == "non-binary" else (0 if gender == "female" else 1)
    sex = _SEXES[s]
    age = _ages.draw_age(p.age_cum[s], age_min, age_max, (rand() + p.shift) % 1.0)
    born = _ages.date_of_birth(today, age, (rand() + p.shift) % 1.0)
    row = age * _NS
    stage_i = bisect_right(p.stages[s], rand(), row, row + _NS) - row
    row = age * _NE
    level = bisect_right(p.education[s][stage_i], rand(), row, row + _NE) - row
    text, text_en, occ_key, isco = _occupation_text(p, rand, stage_i, age, s, level)

    names, nationality, foreign, latin_only = p.names, p.demonym, False, False
    if p.foreign_share and rand() < p.foreign_share:
        foreign = True
        origin = country(p.origins[bisect_floats(p.origin_cum, rand())])
        names = name_table(origin.code)
        latin_only = origin.language != p.language  # abroad, a name is written in Latin script
        if rand() >= _NATURALISED:
            nationality = origin.demonym
    first = draw_first(names, s, born.year, rand())
    last = draw_surname(names, s, rand())
    last_native, last_latin = last.native, last.latin
    if names.second_surname and rand() < names.second_surname:
        second = draw_surname(names, s, rand())
        last_native, last_latin = f"{last.native} {second.native}", f"{last.latin} {second.latin}"
    first_native = first.latin if latin_only else first.native
    if latin_only:
        last_native = last_latin
    city, region = draw_city(p.code, rand())
    picked = draw_interests(rand, p.interests[s][band(age)])
    big_five = draw_big_five(rand, sex, age)
    key = phrase_key(big_five)
    phrase = p.phrases.get((s, key))
    if phrase is None:
        phrase = p.phrases[(s, key)] = trait_words(big_five, p.language, sex)
    user, email = make_handles(first.handle, last.handle, born.year, rand(), rand())
    all_keys, names_local = interest_keys(), p.interest_names
    return PersonFacts(
        p.code, p.name, region, city, nationality, foreign, sex, gender, age, born,
        STAGES[stage_i], EDUCATION[level], p.edu_text[level], text, text_en, occ_key, isco,
        first_native, last_native, first.latin, last_latin,
        tuple(names_local[i] for i in picked), tuple(all_keys[i] for i in picked), big_five,
        phrase, user, email, p.language,
    )  # fmt: skip
