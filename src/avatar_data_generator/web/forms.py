"""The bio-settings form: strings in, a settings dict out, problems beside their fields.

What is valid is decided by `generation.bio_settings` alone; this module only parses numbers
(reporting the ones it cannot read) and puts each `BioSettingsError` beside its form field.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

from avatar_data_generator.generation.bio_settings import (
    GENDERS,
    MAX_AGE,
    MAX_BIO_LIMIT,
    MAX_LANGUAGE,
    MAX_TONE,
    MIN_AGE,
    MIN_BIO_LIMIT,
    PLATFORM_LIMITS,
    check_bio_settings,
)
from avatar_data_generator.generation.population import (
    LANGUAGES,
    SUPPORTED,
    UnknownCountry,
    country,
    resolve_country,
)

#: (value, label) of each gender, for the gender-mix inputs.
GENDER_CHOICES = tuple((gender, gender.capitalize()) for gender in GENDERS)
#: The bounds the inputs show (min, max, maxlength), taken from the rules.
BOUNDS = {
    "limit_min": MIN_BIO_LIMIT,
    "limit_max": MAX_BIO_LIMIT,
    "tone_max": MAX_TONE,
    "language_max": MAX_LANGUAGE,
    "age_min": MIN_AGE,
    "age_max": MAX_AGE,
}
NOT_A_WHOLE_NUMBER = "Enter a whole number"
NOT_A_NUMBER = "Enter a number"
#: The bio languages, each named in itself, for the language select.
LANGUAGE_NAMES = {
    "en": "English", "es": "Español", "pt": "Português", "de": "Deutsch", "fr": "Français",
    "it": "Italiano", "nl": "Nederlands", "pl": "Polski", "tr": "Türkçe", "ja": "日本語",
    "ko": "한국어", "zh": "中文", "hi": "हिन्दी", "ar": "العربية",
}  # fmt: skip


@functools.cache
def choices() -> dict[str, list[tuple[str, str]]]:
    """The supported countries (code, English name) and bio languages the forms offer."""
    return {
        "countries": sorted(((c, country(c).name) for c in SUPPORTED), key=lambda x: x[1]),
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
    }


def _codes(names: Any) -> list[str]:
    """The codes of the countries settings name (names the rules accepted resolve)."""
    out = []
    for name in names or []:
        try:
            out.append(resolve_country(str(name)))
        except UnknownCountry:
            continue  # shown as not chosen; the rules report it where it came from
    return out


def bio_form_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Form field values for bio settings."""
    platforms = settings.get("platforms") or {}
    mix = settings.get("gender_mix") or {}
    values: dict[str, Any] = {
        "tone": settings.get("tone", ""),
        "language": settings.get("language") or "",
        "emoji": bool(settings.get("emoji", True)),
        "hashtags": bool(settings.get("hashtags", True)),
        "age_min": settings.get("age_min", 18),
        "age_max": settings.get("age_max", 70),
        "countries": _codes(settings.get("countries")),
    }
    for platform, default in PLATFORM_LIMITS.items():
        values[f"p_{platform}"] = platform in platforms
        values[f"limit_{platform}"] = platforms.get(platform, default)
    for gender in GENDERS:
        values[f"mix_{gender}"] = _percent(mix.get(gender, 0))
    return values


def _percent(share: Any) -> str:
    """A share (0.48) as the percentage the form shows ("48")."""
    try:
        value = round(float(share) * 100, 1)
    except (TypeError, ValueError):
        return "0"
    return f"{value:g}"


def _whole(raw: str) -> int | None:
    """A whole number, or None if the text is not one."""
    try:
        return int(raw)
    except ValueError:
        return None


def _number(raw: str) -> float | None:
    """A finite number, or None if the text is not one."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_bio_form(
    form: Mapping[str, Any], errors: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bio settings from a form: (settings to validate, values to show again).

    Numbers that do not parse go into `errors`; in the settings they stand in as a value that
    raises nothing else, so the other fields are still checked.
    """
    values: dict[str, Any] = {
        key: form.get(key, "").strip() for key in ("tone", "language", "age_min", "age_max")
    }
    # Checkboxes send one `countries` value each; a plain text field, names with commas.
    chosen = form.getlist("countries") if hasattr(form, "getlist") else [form.get("countries", "")]
    values["countries"] = [c.strip() for text in chosen for c in str(text).split(",") if c.strip()]
    values["emoji"] = form.get("emoji") == "on"
    values["hashtags"] = form.get("hashtags") == "on"
    settings: dict[str, Any] = {
        key: values[key] for key in ("tone", "language", "emoji", "hashtags") if values[key] != ""
    }
    settings["countries"] = list(values["countries"])
    settings["platforms"] = _parse_platforms(form, values, errors)
    for key, stand_in in (("age_min", MIN_AGE), ("age_max", MAX_AGE)):
        settings[key] = _parse_whole(values, errors, key, stand_in)
    settings["gender_mix"] = _parse_mix(form, values, errors)
    return settings, values


def _parse_whole(values: dict[str, Any], errors: dict[str, str], key: str, stand_in: int) -> int:
    """A whole-number field, or `stand_in` with the error noted."""
    number = _whole(values[key])
    if number is None:
        errors[key] = NOT_A_WHOLE_NUMBER
        return stand_in
    return number


def _parse_platforms(
    form: Mapping[str, Any], values: dict[str, Any], errors: dict[str, str]
) -> dict[str, int]:
    """The platforms switched on, with their limits."""
    platforms: dict[str, int] = {}
    for platform, default in PLATFORM_LIMITS.items():
        key = f"limit_{platform}"
        values[f"p_{platform}"] = form.get(f"p_{platform}") == "on"
        values[key] = form.get(key, "").strip()
        if values[f"p_{platform}"]:
            platforms[platform] = _parse_whole(values, errors, key, default)
    return platforms


def _parse_mix(
    form: Mapping[str, Any], values: dict[str, Any], errors: dict[str, str]
) -> dict[str, float]:
    """The gender mix: percentages in the form, shares in the settings."""
    mix: dict[str, float] = {}
    for gender in GENDERS:
        raw = values[f"mix_{gender}"] = form.get(f"mix_{gender}", "").strip() or "0"
        share = _number(raw)
        if share is None:
            errors["gender_mix"] = NOT_A_NUMBER
        else:
            mix[gender] = round(share / 100, 4)
    return mix


def form_field(field: str) -> str:
    """The form field of a validation field: `bio_settings.platforms.x` is `limit_x`."""
    name = field.removeprefix("bio_settings.")
    head, _, rest = name.partition(".")
    return f"limit_{rest}" if head == "platforms" and rest else head


def check_bio_form(settings: Mapping[str, Any], errors: dict[str, str]) -> None:
    """Put every problem the rules find beside its field (a field's parse error stays)."""
    _, problems = check_bio_settings(dict(settings))
    for problem in problems:
        errors.setdefault(form_field(problem.field), problem.message)


def check_number(
    values: dict[str, Any], errors: dict[str, str], key: str, low: int, high: int, required: bool
) -> None:
    """Check a whole-number field up front, so every error shows at once."""
    raw = values.get(key, "")
    if raw == "":
        if required:
            errors[key] = "Enter how many personas you need"
        return
    number = _whole(raw)
    if number is None:
        errors[key] = NOT_A_WHOLE_NUMBER
    elif number < low:
        errors[key] = f"Enter at least {low}"
    elif number > high:
        errors[key] = (
            f"At most {high:,} personas per task (MAX_PERSONAS_PER_TASK); "
            "split it into smaller tasks"
            if key == "count"
            else f"Enter at most {high:,}"
        )
