"""Bio settings: platforms and their limits, tone, locale and the demographic mix.

`validate_bio_settings` is the one place that decides what is valid. The API schema shows the
constants below in its document and checks only types; the form parser only turns strings into
numbers. A rule added here (say, only supported countries) holds for the form, the API and the
CLI at once, with the same message.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from avatar_data_generator.generation.population import (
    LANGUAGES,
    UnknownCountry,
    country,
    resolve_country,
)

#: Default bio length per platform, counted in graphemes (the characters a person sees).
PLATFORM_LIMITS = {"x": 160, "instagram": 150, "tiktok": 80, "linkedin": 220, "facebook": 101}
#: The genders a mix may weigh, in the order prompts and pages list them.
GENDERS = ("female", "male", "non-binary")
DEFAULT_GENDER_MIX = {"female": 0.48, "male": 0.48, "non-binary": 0.04}
#: The shortest and the longest bio a platform may be configured for.
MIN_BIO_LIMIT = 10
MAX_BIO_LIMIT = 2200
#: Characters of the tone ("friendly") and of the language tag ("en", "pt-BR").
MAX_TONE = 40
MIN_LANGUAGE, MAX_LANGUAGE = 2, 20
#: The youngest and the oldest age a range may reach.
MIN_AGE, MAX_AGE = 13, 100
#: Characters of one country's name, and how many countries a setting may name.
MAX_COUNTRY_NAME = 80
MAX_COUNTRIES = 200


class BioSettingsError(ValueError):
    """Invalid bio settings; `field` names the setting, `message` says what is wrong with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _problem(message: str) -> PydanticCustomError:
    """A validation error whose message is exactly `message` (no "Value error, " prefix)."""
    return PydanticCustomError("bio_settings", message)


def _limit(value: int) -> int:
    """One platform's bio limit."""
    if not MIN_BIO_LIMIT <= value <= MAX_BIO_LIMIT:
        raise _problem(f"limit must be between {MIN_BIO_LIMIT} and {MAX_BIO_LIMIT}")
    return value


def _age(value: int) -> int:
    """An end of the age range."""
    if not MIN_AGE <= value <= MAX_AGE:
        raise _problem(f"must be between {MIN_AGE} and {MAX_AGE}")
    return value


def _text(low: int, high: int) -> AfterValidator:
    """A short text setting: trimmed, `low` to `high` characters, no NUL (PostgreSQL)."""

    def check(value: str) -> str:
        """The trimmed text, or the problem with it."""
        if "\x00" in value:
            raise _problem("must not contain NUL characters")
        value = value.strip()
        if not value:
            raise _problem("must not be blank")
        if not low <= len(value) <= high:
            raise _problem(f"must be {low} to {high} characters")
        return value

    return AfterValidator(check)


def _no_unknown(names: Any, known: tuple[str, ...], what: str) -> None:
    """Refuse keys outside `known`, naming them and the ones to use."""
    if not isinstance(names, dict):
        return  # the type check reports it
    unknown = sorted(str(name) for name in set(names) - set(known))
    if unknown:
        raise _problem(f"unknown {what}(s): {', '.join(unknown)}; use {', '.join(known)}")


def _bio_language(value: str) -> str:
    """One of the languages bios are written in (a regional tag such as pt-BR too)."""
    base = value.replace("_", "-").split("-")[0].lower()
    if base not in LANGUAGES:
        raise _problem(
            f"bios are written in {', '.join(LANGUAGES)}; leave it empty for each persona's own"
        )
    return value


Limit = Annotated[int, AfterValidator(_limit)]
Age = Annotated[int, AfterValidator(_age)]
Tone = Annotated[str, _text(1, MAX_TONE)]
Language = Annotated[str, _text(MIN_LANGUAGE, MAX_LANGUAGE), AfterValidator(_bio_language)]


class BioSettingsModel(BaseModel):
    """The validated shape of bio settings."""

    model_config = ConfigDict(extra="forbid")

    platforms: dict[str, Limit] = Field(default_factory=lambda: dict(PLATFORM_LIMITS))
    tone: Tone = "friendly"
    #: The bios' language for every persona; None: each persona's country's main language.
    language: Language | None = None
    emoji: bool = True
    hashtags: bool = True
    age_min: Age = 18
    age_max: Age = 70
    gender_mix: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_GENDER_MIX))
    countries: list[str] = Field(default_factory=list)

    @field_validator("language", mode="before")
    @classmethod
    def _own_language(cls, value: Any) -> Any:
        """Empty (or "auto") means each persona writes in its own country's language."""
        if isinstance(value, str) and value.strip().lower() in ("", "auto"):
            return None
        return value

    @field_validator("platforms", mode="before")
    @classmethod
    def _known_platforms(cls, value: Any) -> Any:
        """Only the platforms of PLATFORM_LIMITS (checked before the limits are)."""
        _no_unknown(value, tuple(PLATFORM_LIMITS), "platform")
        return value

    @field_validator("platforms")
    @classmethod
    def _some_platform(cls, value: dict[str, int]) -> dict[str, int]:
        """At least one platform, in the canonical order (stable prompts and exports)."""
        if not value:
            raise _problem("choose at least one platform")
        return {p: value[p] for p in PLATFORM_LIMITS if p in value}

    @field_validator("gender_mix")
    @classmethod
    def _mix(cls, value: dict[str, float]) -> dict[str, float]:
        """Known genders, finite weights that are not negative, not all zero."""
        _no_unknown(value, GENDERS, "gender")
        weights = value.values()
        if not all(math.isfinite(w) for w in weights):
            raise _problem("weights must be finite numbers")
        if any(w < 0 for w in weights):
            raise _problem("weights must not be negative")
        if sum(weights) <= 0:
            raise _problem("at least one weight must be positive")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        """Supported countries only, named in English, each once (a code or a native name is
        understood); any other is refused with the list of the supported ones."""
        if len(value) > MAX_COUNTRIES:
            raise _problem(f"at most {MAX_COUNTRIES} countries")
        cleaned = [c.strip() for c in value]
        if any(not c or len(c) > MAX_COUNTRY_NAME or "\x00" in c for c in cleaned):
            raise _problem(f"each country must be a name of 1 to {MAX_COUNTRY_NAME} characters")
        try:
            codes = [resolve_country(c) for c in cleaned]
        except UnknownCountry as exc:
            raise _problem(str(exc)) from None
        return [country(code).name for code in dict.fromkeys(codes)]


def default_bio_settings() -> dict[str, Any]:
    """The built-in defaults."""
    return BioSettingsModel().model_dump()


def _field_problems(exc: ValidationError) -> list[BioSettingsError]:
    """One error per problem pydantic found, named by its path (`platforms.x`)."""
    return [
        BioSettingsError(".".join(str(p) for p in error["loc"]) or "bio_settings", error["msg"])
        for error in exc.errors()
    ]


def check_bio_settings(raw: Any) -> tuple[dict[str, Any] | None, list[BioSettingsError]]:
    """The validated, completed settings and no problems; or None and every problem found."""
    if raw is not None and not isinstance(raw, dict):
        return None, [BioSettingsError("bio_settings", "must be a JSON object")]
    try:
        model = BioSettingsModel.model_validate(raw or {})
    except ValidationError as exc:
        return None, _field_problems(exc)
    if model.age_min > model.age_max:
        return None, [BioSettingsError("age_min", "must not exceed age_max")]
    return model.model_dump(), []


def validate_bio_settings(raw: Any) -> dict[str, Any]:
    """Validate and complete settings; raise BioSettingsError naming the first bad field."""
    settings, problems = check_bio_settings(raw)
    if settings is None:
        raise problems[0]
    return settings


def gender_weights(settings: dict[str, Any]) -> list[tuple[str, float]]:
    """The gender mix as normalised (gender, share) pairs in a fixed order, zero shares left out."""
    mix = settings.get("gender_mix") or {}
    total = sum(float(mix.get(g, 0)) for g in GENDERS) or 1.0
    return [(g, float(mix.get(g, 0)) / total) for g in GENDERS if float(mix.get(g, 0)) > 0]


def allocate_genders(settings: dict[str, Any], count: int, u: float) -> dict[str, int]:
    """Split `count` over the gender mix by systematic sampling with offset `u` in [0, 1).

    Each gender gets the floor or the ceiling of its exact share, and over many batches with
    uniform offsets the expected count is exactly its share (so small shares are not lost).
    """
    weights = gender_weights(settings) or [("female", 0.5), ("male", 0.5)]
    counts: dict[str, int] = {}
    cumulative = 0.0
    previous = int(u)
    for gender, share in weights:
        cumulative += share * count
        edge = min(count, int(cumulative + u))
        counts[gender] = edge - previous
        previous = edge
    counts[weights[-1][0]] += count - sum(counts.values())
    return counts
