"""The bio-settings form: strings in, the rules' settings out, every problem beside its field."""

from __future__ import annotations

from typing import Any

import pytest

from avatar_data_generator.generation.bio_settings import (
    default_bio_settings,
    validate_bio_settings,
)
from avatar_data_generator.web import forms
from tests.web.helpers import FORM, SETTINGS


def _parsed(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings a form stands for and every problem with them, as the pages check them."""
    errors: dict[str, str] = {}
    settings, _values = forms.parse_bio_form(form, errors)
    forms.check_bio_form(settings, errors)
    return settings, errors


def _as_form(values: dict[str, Any]) -> dict[str, str]:
    """What a browser posts for these field values (unticked boxes are left out)."""
    return {
        key: ("on" if value else "")
        if isinstance(value, bool)
        else ", ".join(value)
        if isinstance(value, list)
        else str(value)
        for key, value in values.items()
        if value is not False
    }


def test_the_form_stands_for_the_settings_the_api_takes() -> None:
    settings, errors = _parsed(FORM)
    assert errors == {}
    assert settings == SETTINGS
    assert validate_bio_settings(settings) == SETTINGS


def test_the_defaults_go_round_the_form_unchanged() -> None:
    defaults = default_bio_settings()
    settings, errors = _parsed(_as_form(forms.bio_form_values(defaults)))
    assert errors == {}
    assert validate_bio_settings(settings) == defaults


def test_numbers_that_do_not_parse_are_reported_as_such_and_nothing_else() -> None:
    bad = {**FORM, "limit_x": "abc", "age_min": "", "age_max": "sixty", "mix_male": "nan"}
    _settings, errors = _parsed(bad)
    assert errors == {
        "limit_x": forms.NOT_A_WHOLE_NUMBER,
        "age_min": forms.NOT_A_WHOLE_NUMBER,
        "age_max": forms.NOT_A_WHOLE_NUMBER,
        "gender_mix": forms.NOT_A_NUMBER,
    }


def test_every_problem_the_rules_find_shows_at_once() -> None:
    bad = {**FORM, "limit_x": "5", "limit_linkedin": "9999", "tone": "t" * 41, "countries": ""}
    _settings, errors = _parsed(bad)
    assert set(errors) == {"limit_x", "limit_linkedin", "tone"}
    assert errors["limit_x"] == errors["limit_linkedin"] == "limit must be between 10 and 2200"


def test_a_parse_error_stays_when_the_rules_also_object() -> None:
    _settings, errors = _parsed({**FORM, "age_min": "x", "age_max": "5"})
    assert errors["age_min"] == forms.NOT_A_WHOLE_NUMBER
    assert errors["age_max"] == "must be between 13 and 100"


def test_empty_text_fields_take_the_rules_defaults() -> None:
    settings, errors = _parsed({**FORM, "tone": "  ", "language": ""})
    assert errors == {}
    checked = validate_bio_settings(settings)
    # An empty language is each persona's own (their country's main language).
    assert (checked["tone"], checked["language"]) == ("friendly", None)


@pytest.mark.parametrize(
    ("field", "form_field"),
    [
        ("bio_settings.platforms.x", "limit_x"),
        ("platforms.tiktok", "limit_tiktok"),
        ("bio_settings.platforms", "platforms"),
        ("bio_settings.gender_mix.female", "gender_mix"),
        ("countries.3", "countries"),
        ("bio_settings.age_min", "age_min"),
        ("count", "count"),
        ("batch_size", "batch_size"),
        ("provider", "provider"),
    ],
)
def test_validation_fields_map_to_form_fields(field: str, form_field: str) -> None:
    assert forms.form_field(field) == form_field


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter how many personas you need"),
        ("ten", "Enter a whole number"),
        ("0", "Enter at least 1"),
        (
            "101",
            "At most 100 personas per task (MAX_PERSONAS_PER_TASK); split it into smaller tasks",
        ),
        ("50", None),
    ],
)
def test_count_is_checked_up_front(raw: str, message: str | None) -> None:
    errors: dict[str, str] = {}
    forms.check_number({"count": raw}, errors, "count", 1, 100, True)
    assert errors.get("count") == message


def test_the_inputs_show_the_rules_bounds() -> None:
    assert forms.BOUNDS["limit_min"] == 10 and forms.BOUNDS["limit_max"] == 2200
    assert forms.BOUNDS["tone_max"] == 40
    assert [value for value, _label in forms.GENDER_CHOICES] == ["female", "male", "non-binary"]
