"""Per-persona consistency checks against the rules (used by the realism report)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from avatar_data_generator.generation.population import classify
from avatar_data_generator.generation.population.ages import age_on
from avatar_data_generator.generation.population.countries import UnknownCountry, resolve_country
from avatar_data_generator.generation.population.names import country_lexicon, global_lexicon
from avatar_data_generator.generation.population.occupations import occupation_index
from avatar_data_generator.generation.population.places import city_in
from avatar_data_generator.generation.population.rules import (
    EDUCATION,
    EDUCATION_HARD_FLOOR,
    EDUCATION_MIN_AGE,
    EMPLOYED_MAX_AGE,
    HARD_RULE_NAMES,
    RANK,
    RETIRED_MIN_AGE,
    STAGES,
    WORK_MIN_AGE,
    stage_allowed,
)
from avatar_data_generator.generation.population.tables import SUPPORTED, table
from avatar_data_generator.generation.population.text import fold

_RESERVED = re.compile(r"@([a-z0-9-]+\.)*example\.(com|org|net)$|@[^@]+\.(test|example|invalid)$")
_GENERIC_USER = re.compile(r"^(user|usr|member|account|person)[_.-]?\d*$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _country(text: str) -> str | None:
    """Supported country code of a name or code, or None."""
    try:
        return resolve_country(text)
    except (UnknownCountry, ValueError):
        return None


@lru_cache(maxsize=1)
def _demonyms() -> tuple[frozenset[str], frozenset[str]]:
    """(folded demonyms, folded country names and aliases) of the supported countries."""
    rows = table("countries")["countries"].values()
    demonyms = frozenset(fold(r["demonym"]) for r in rows)
    names = frozenset(fold(a) for r in rows for a in (r["name"], *r["aliases"]))
    return demonyms, names - demonyms


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read(persona: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The facts of a stored persona, from its grounded fields or read from its free text."""
    f: dict[str, Any] = {}
    born = None
    try:
        born = date.fromisoformat(str(persona.get("date_of_birth", ""))[:10])
    except ValueError:
        born = None
    age = _int(persona.get("age"))
    f["age"] = age if age is not None else (age_on(today, born) if born else None)
    f["dob_age"] = age_on(today, born) if born else None
    gender = str(persona.get("gender") or "").lower()
    sex = str(persona.get("sex") or "").lower()
    both = ("female", "male")
    f["sex"] = sex if sex in both else gender if gender in both else None
    code = str(persona.get("country_code") or "").upper()
    f["country_code"] = code if code in SUPPORTED else _country(str(persona.get("country") or ""))
    f["first_name"] = str(persona.get("first_name") or "")
    f["city"] = str(persona.get("city") or "")
    f["nationality"] = str(persona.get("nationality") or "")
    f["email"] = str(persona.get("email") or "")
    f["username"] = str(persona.get("username") or "")
    level = persona.get("education_level")
    if level not in EDUCATION:
        text = str(persona.get("education") or "")
        level = classify.education_level(text) if text else None
        f["education_unclassified"] = bool(text) and level is None
    f["education_level"] = level
    occupation = str(persona.get("occupation") or "")
    key = persona.get("occupation_key")
    if not key or (key not in occupation_index() and key not in STAGES):
        key = classify.occupation_key(occupation) if occupation else None
        f["occupation_unclassified"] = bool(occupation) and key is None
    f["occupation_key"] = key
    stage = persona.get("life_stage")
    if stage not in STAGES:
        stage = classify.stage_words(occupation) if occupation else None
        if key in occupation_index():  # a job named: its holder works, or did
            stage = "retired" if stage == "retired" else "employed"
    f["life_stage"] = stage
    return f


def evaluate(f: dict[str, Any], age_min: int, age_max: int) -> dict[str, list[str]]:
    """The hard rules a persona breaks ('violations') and the softer 'flags'."""
    bad: list[str] = []
    soft: list[str] = []
    key, level = f["occupation_key"], f["education_level"]
    occ = occupation_index().get(key) if key else None
    if f["age"] is not None:
        _age_rules(f, f["age"], age_min, age_max, bad, soft)
    if occ is not None and level is not None and RANK[level] < RANK[occ.min_edu]:
        soft.append("occupation_needs_education")
    _names(f, bad, soft)
    code = f["country_code"]
    if code and f["city"] and city_in(f["city"], code) is False:
        bad.append("city_outside_country")
    nat = fold(f["nationality"])
    demonyms, names = _demonyms()
    if nat and nat not in demonyms and nat in names:
        soft.append("nationality_not_demonym")
    if f["email"] and not _RESERVED.search(f["email"].lower()):
        soft.append("email_not_reserved")
    if f["username"] and _GENERIC_USER.match(f["username"]):
        soft.append("username_generic")
    return {"violations": bad, "flags": soft}


def _age_rules(
    f: dict[str, Any], age: int, age_min: int, age_max: int, bad: list[str], soft: list[str]
) -> None:
    """The rules that compare a fact with the age."""
    level, stage = f["education_level"], f["life_stage"]
    occ = occupation_index().get(f["occupation_key"]) if f["occupation_key"] else None
    if not age_min <= age <= age_max:
        bad.append("age_outside_range")
    if level in EDUCATION_HARD_FLOOR and age < EDUCATION_HARD_FLOOR[level]:
        bad.append(HARD_RULE_NAMES[level])
    elif level in EDUCATION_HARD_FLOOR and age < EDUCATION_MIN_AGE[level]:
        soft.append("degree_below_typical_age")
    if occ is not None and age < occ.min_age:
        bad.append("occupation_below_min_age")
    working = stage == "employed" or (occ is not None and stage not in ("retired", "student"))
    if age < WORK_MIN_AGE and working:
        bad.append("job_under_16")
    if stage == "retired" and age < RETIRED_MIN_AGE:
        bad.append("retired_under_50")
    elif stage in ("pupil", "student", "unemployed", "homemaker") and not stage_allowed(stage, age):
        bad.append("life_stage_vs_age")
    if stage == "employed" and age > EMPLOYED_MAX_AGE:
        soft.append("employed_over_85")
    if f["dob_age"] is not None and abs(f["dob_age"] - age) > 1:
        soft.append("age_vs_date_of_birth")


def _names(f: dict[str, Any], bad: list[str], soft: list[str]) -> None:
    """Name against sex: of the other sex only, in the country's table or in every table."""
    sex, name = f["sex"], fold(f["first_name"])
    if sex is None or not name:
        return
    everywhere = _sexes(global_lexicon(), name)
    here = _sexes(country_lexicon(f["country_code"]), name) if f["country_code"] else frozenset()
    if here and sex not in here:
        (soft if sex in everywhere else bad).append(
            "name_sex_unusual" if sex in everywhere else "name_vs_sex"
        )
    elif not here and everywhere and sex not in everywhere:
        bad.append("name_vs_sex")


def _sexes(lexicon: dict[str, frozenset[str]], name: str) -> frozenset[str]:
    """Sexes of the full name, else of its first word."""
    if name in lexicon:
        return lexicon[name]
    return lexicon.get(name.split(" ")[0].split("-")[0], frozenset())
