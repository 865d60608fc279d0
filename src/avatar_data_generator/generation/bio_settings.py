"""Bio settings: platforms and their limits, tone, locale and the demographic mix."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PLATFORM_LIMITS = {"x": 160, "instagram": 150, "tiktok": 80, "linkedin": 220, "facebook": 101}


class BioSettingsError(ValueError):
    """Invalid bio settings; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class BioSettingsModel(BaseModel):
    """The validated shape of bio settings."""

    model_config = ConfigDict(extra="forbid")

    platforms: dict[str, int] = Field(default_factory=lambda: dict(PLATFORM_LIMITS))
    tone: str = "friendly"
    language: str = "en"
    emoji: bool = True
    hashtags: bool = True
    age_min: int = Field(default=18, ge=13, le=100)
    age_max: int = Field(default=70, ge=13, le=100)
    gender_mix: dict[str, float] = Field(
        default_factory=lambda: {"female": 0.48, "male": 0.48, "non-binary": 0.04}
    )
    countries: list[str] = Field(default_factory=list)


def default_bio_settings() -> dict[str, Any]:
    """The built-in defaults."""
    return BioSettingsModel().model_dump()


def validate_bio_settings(raw: dict[str, Any] | None) -> dict[str, Any]:
    """Validate and complete settings; raise BioSettingsError naming the first bad field."""
    try:
        model = BioSettingsModel.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "bio_settings"
        raise BioSettingsError(field, first["msg"]) from None
    unknown = set(model.platforms) - set(PLATFORM_LIMITS)
    if unknown:
        raise BioSettingsError("platforms", f"unknown platform(s): {', '.join(sorted(unknown))}")
    if model.age_min > model.age_max:
        raise BioSettingsError("age_min", "must not exceed age_max")
    return model.model_dump()
