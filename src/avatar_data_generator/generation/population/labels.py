"""Localised words for education levels, life stages and former jobs."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from avatar_data_generator.generation.population.rules import EDUCATION
from avatar_data_generator.generation.population.tables import table


def _pick(by_lang: dict[str, Any], lang: str) -> Any:
    """The entry for a tag ('pt-BR'), else its language ('pt'), else English."""
    return by_lang.get(lang) or by_lang.get(lang.split("-")[0]) or by_lang["en"]


def _form(entry: Any, sex: str) -> str:
    """The female or male form of an entry that may be a [female, male] list."""
    if isinstance(entry, list):
        return str(entry[0] if sex == "female" else entry[1])
    return str(entry)


@lru_cache(maxsize=4096)
def education_label(level: str, lang: str) -> str:
    """The name of an education level in a language tag ('en', 'es-MX')."""
    if level not in EDUCATION:
        raise ValueError(f"unknown education level {level!r}")
    return str(_pick(table("labels")["education"], lang)[EDUCATION.index(level)])


@lru_cache(maxsize=4096)
def life_stage_label(stage: str, lang: str, sex: str, age: int | None = None) -> str:
    """What a person in a life stage is called (e.g. 'Schülerin', 'retraité')."""
    stages = table("labels")["stages"]
    if stage == "pupil" and age is not None and age >= 16:
        stage = "pupil_upper"
    if stage not in stages:
        raise ValueError(f"unknown life stage {stage!r}")
    return _form(_pick(stages[stage], lang), sex)


@lru_cache(maxsize=65536)
def retired_from(job_title: str, lang: str, sex: str) -> str:
    """'retired teacher' in a language, from the gendered title of the last job."""
    template = _form(_pick(table("labels")["retired_job"], lang), sex)
    return template.format(job=job_title)
