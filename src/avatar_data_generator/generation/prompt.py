"""The words and the JSON schema sent to a language model for one batch."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS, allocate_genders
from avatar_data_generator.generation.grounding import describe, ref
from avatar_data_generator.generation.population import PersonFacts

PROMPT_VERSION = "2"
#: The prompt of `sampled` mode: facts listed under references, only prose asked for.
GROUNDED_PROMPT_VERSION = "grounded-1"


def gender_counts(request: BatchRequest) -> dict[str, int]:
    """How many of each gender this batch asks for (systematic sampling, seeded per batch)."""
    u = random.Random(request.seed).random() if request.seed is not None else random.random()
    return allocate_genders(request.bio_settings or {}, request.count, u)


def _platforms(settings: dict[str, Any]) -> dict[str, int]:
    platforms = settings.get("platforms")
    return dict(platforms) if isinstance(platforms, dict) else dict(PLATFORM_LIMITS)


def build_prompt(request: BatchRequest) -> str:
    """A self-sufficient instruction: Flowise 3.1.3+ ignores `vars` in prompts."""
    s = request.bio_settings or {}
    n = request.count
    platforms = _platforms(s)
    genders = ", ".join(f"{k} {v}" for k, v in gender_counts(request).items() if v) or "any"
    countries = ", ".join(s.get("countries") or []) or "any, fitting the locale"
    bio_rules = "; ".join(f"{p} at most {limit} characters" for p, limit in platforms.items())
    language = s.get("language")
    words = (
        f"Write every text in the language '{language}'."
        if language
        else "Write each persona's texts in the main language of the persona's country."
    )
    return (
        f"Generate {n} personas: fictional, diverse, realistic people for test data. "
        f"Locale: {request.locale}. {words}\n"
        f"Bio settings: tone {s.get('tone', 'friendly')}; emoji "
        f"{'allowed' if s.get('emoji', True) else 'not allowed'}; hashtags "
        f"{'allowed' if s.get('hashtags', True) else 'not allowed'}; ages "
        f"{s.get('age_min', 18)} to {s.get('age_max', 70)}; genders exactly: {genders}; "
        f"countries: {countries}; bios for these platforms only: {bio_rules} "
        "(characters as a person sees them, emoji count as one).\n"
        'Answer with JSON only, no prose and no code fence: an object {"personas": [...]} '
        f"holding exactly {n} objects, each with these keys: "
        "first_name (string), last_name (string), gender (female, male or non-binary), "
        "date_of_birth (YYYY-MM-DD, matching the age range), country, city (in that country), "
        "nationality, occupation, education (strings), interests (a list of 2 to 5 strings), "
        "personality (a short phrase), username (a handle ending in digits), "
        "email (at example.com), "
        f"bios (an object with keys {', '.join(platforms) or 'none'}, each a bio string). "
        "Every persona must have a different name, username and e-mail address."
    )


def _style_rules(s: dict[str, Any]) -> str:
    """How the bios are to be written: tone, emoji, hashtags, platform styles and limits."""
    platforms = _platforms(s)
    limits = "; ".join(f"{p} at most {limit} characters" for p, limit in platforms.items())
    return (
        f"Tone {s.get('tone', 'friendly')}; emoji {'allowed' if s.get('emoji', True) else 'not'}"
        f" allowed; hashtags {'allowed, only at the end' if s.get('hashtags', True) else 'not'}"
        " allowed. A LinkedIn bio is a professional headline, an X bio a line or two, a TikTok"
        " bio short and playful, an Instagram bio may use line breaks, a Facebook bio a friendly"
        f" sentence; no bio a shortened copy of another. Limits: {limits} (characters as a person"
        " sees them, an emoji counts as one)."
    )


def build_grounded_prompt(request: BatchRequest, people: Sequence[PersonFacts]) -> str:
    """Facts under references p1 … pN; the model writes only bios and a personality sentence."""
    s = request.bio_settings or {}
    platforms = ", ".join(_platforms(s)) or "none"
    language = s.get("language")
    listed = "\n".join(f"{ref(i)}: {describe(f, language)}" for i, f in enumerate(people))
    return (
        f"Generate {len(people)} personas: the facts of each fictional person are given below;"
        " do not change them. For each, write the bios and a one-sentence personality in the"
        " person's own voice, in the language given for them, consistent with every fact (age,"
        " life stage, job, education, place, interests).\n"
        f"{_style_rules(s)}\n"
        f"{listed}\n"
        'Answer with JSON only, no prose and no code fence: {"personas": [{"ref": "p1", "bios":'
        ' {...}, "personality": "..."}, ...]} with one object for each of the '
        f"{len(people)} references, each with bios for exactly these platforms: {platforms}."
    )


def grounded_schema(settings: dict[str, Any]) -> dict[str, Any]:
    """A strict JSON schema for the grounded answer: ref, bios of the enabled platforms, a
    personality sentence."""
    platforms = list(_platforms(settings))
    text = {"type": "string"}
    persona = {
        "type": "object",
        "properties": {
            "ref": {"type": "string", "description": "p1 … pN, as in the question"},
            "bios": {
                "type": "object",
                "properties": {p: text for p in platforms},
                "required": platforms,
                "additionalProperties": False,
            },
            "personality": text,
        },
        "required": ["ref", "bios", "personality"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"personas": {"type": "array", "items": persona}},
        "required": ["personas"],
        "additionalProperties": False,
    }


def persona_schema(settings: dict[str, Any]) -> dict[str, Any]:
    """A strict JSON schema (root object) for {"personas": [...]} with the enabled platforms."""
    platforms = list(_platforms(settings))
    text = {"type": "string"}
    properties: dict[str, Any] = {
        "first_name": text,
        "last_name": text,
        "gender": {"type": "string", "enum": ["female", "male", "non-binary"]},
        "date_of_birth": {"type": "string", "description": "YYYY-MM-DD"},
        "country": text,
        "city": text,
        "nationality": text,
        "occupation": text,
        "education": text,
        "interests": {"type": "array", "items": text},
        "personality": text,
        "username": text,
        "email": text,
        "bios": {
            "type": "object",
            "properties": {p: text for p in platforms},
            "required": platforms,
            "additionalProperties": False,
        },
    }
    persona = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"personas": {"type": "array", "items": persona}},
        "required": ["personas"],
        "additionalProperties": False,
    }


def vars_for(request: BatchRequest) -> dict[str, Any]:
    """`overrideConfig.vars` for Flowise versions before 3.1.3."""
    return {
        "count": request.count,
        "bio_settings": json.dumps(request.bio_settings or {}, ensure_ascii=False, sort_keys=True),
        "locale": request.locale,
    }
