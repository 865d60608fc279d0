"""Bio settings: platforms and their limits, tone, locale and the demographic mix."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: Default bio length per platform, counted in graphemes (the characters a person sees).
PLATFORM_LIMITS = {"x": 160, "instagram": 150, "tiktok": 80, "linkedin": 220, "facebook": 101}
GENDERS = ("female", "male", "non-binary")
#: The longest bio any platform may be configured for.
MAX_BIO_LIMIT = 2200


class BioSettingsError(ValueError):
    """Invalid bio settings; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class BioSettingsModel(BaseModel):
    """The validated shape of bio settings."""

    model_config = ConfigDict(extra="forbid")

    platforms: dict[str, int] = Field(default_factory=lambda: dict(PLATFORM_LIMITS))
    tone: str = Field(default="friendly", min_length=1, max_length=40)
    language: str = Field(default="en", min_length=2, max_length=20)
    emoji: bool = True
    hashtags: bool = True
    age_min: int = Field(default=18, ge=13, le=100)
    age_max: int = Field(default=70, ge=13, le=100)
    gender_mix: dict[str, float] = Field(
        default_factory=lambda: {"female": 0.48, "male": 0.48, "non-binary": 0.04}
    )
    countries: list[str] = Field(default_factory=list, max_length=200)

    @field_validator("tone", "language")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        cleaned = [c.strip() for c in value]
        if any(not c or len(c) > 80 for c in cleaned):
            raise ValueError("each country must be a name of 1 to 80 characters")
        return list(dict.fromkeys(cleaned))


def default_bio_settings() -> dict[str, Any]:
    """The built-in defaults."""
    return BioSettingsModel().model_dump()


def validate_bio_settings(raw: dict[str, Any] | None) -> dict[str, Any]:
    """Validate and complete settings; raise BioSettingsError naming the first bad field."""
    if raw is not None and not isinstance(raw, dict):
        raise BioSettingsError("bio_settings", "must be a JSON object")
    try:
        model = BioSettingsModel.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "bio_settings"
        raise BioSettingsError(field, first["msg"]) from None
    unknown = set(model.platforms) - set(PLATFORM_LIMITS)
    if unknown:
        raise BioSettingsError("platforms", f"unknown platform(s): {', '.join(sorted(unknown))}")
    for platform, limit in model.platforms.items():
        if not 10 <= limit <= MAX_BIO_LIMIT:
            raise BioSettingsError(
                f"platforms.{platform}", f"limit must be between 10 and {MAX_BIO_LIMIT}"
            )
    if model.age_min > model.age_max:
        raise BioSettingsError("age_min", "must not exceed age_max")
    bad = set(model.gender_mix) - set(GENDERS)
    if bad:
        raise BioSettingsError(
            "gender_mix", f"unknown gender(s): {', '.join(sorted(bad))}; use {', '.join(GENDERS)}"
        )
    if any(w < 0 for w in model.gender_mix.values()):
        raise BioSettingsError("gender_mix", "weights must not be negative")
    if sum(model.gender_mix.values()) <= 0:
        raise BioSettingsError("gender_mix", "at least one weight must be positive")
    # Keep platforms in the canonical order so prompts and exports are stable.
    model.platforms = {p: model.platforms[p] for p in PLATFORM_LIMITS if p in model.platforms}
    return model.model_dump()


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
