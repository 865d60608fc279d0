"""One rule set for bio settings: the same bad value gets the same message from the Generate
form, the JSON API and the command line (`submit --bio-settings`), and that message is the
one `validate_bio_settings` gives."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask import Flask

from avatar_data_generator import accounts, tasks
from avatar_data_generator.generation.bio_settings import BioSettingsError, validate_bio_settings
from tests.web.helpers import FORM, SETTINGS, logged_in

NO_MIX = {"mix_female": "0", "mix_male": "0", "mix_non-binary": "0"}
NO_PLATFORMS = {key: value for key, value in FORM.items() if not key.startswith("p_")}

#: (what the form posts, the same settings as JSON, the form field, the setting's path)
CASES: list[tuple[dict[str, str], dict[str, Any], str, str]] = [
    ({**FORM, "limit_x": "5"}, {"platforms": {"x": 5, "linkedin": 200}}, "limit_x", "platforms.x"),
    (
        {**FORM, "limit_linkedin": "5000"},
        {"platforms": {"x": 120, "linkedin": 5000}},
        "limit_linkedin",
        "platforms.linkedin",
    ),
    ({**FORM, "age_max": "500"}, {"age_max": 500}, "age_max", "age_max"),
    ({**FORM, "age_min": "70"}, {"age_min": 70}, "age_min", "age_min"),
    ({**FORM, "tone": "t" * 41}, {"tone": "t" * 41}, "tone", "tone"),
    ({**FORM, "tone": "dry\x00wit"}, {"tone": "dry\x00wit"}, "tone", "tone"),
    ({**FORM, "language": "x"}, {"language": "x"}, "language", "language"),
    ({**FORM, "countries": "C" * 81}, {"countries": ["C" * 81]}, "countries", "countries"),
    (
        {**FORM, **NO_MIX},
        {"gender_mix": {"female": 0, "male": 0, "non-binary": 0}},
        "gender_mix",
        "gender_mix",
    ),
    (
        {**FORM, "mix_male": "-5"},
        {"gender_mix": {"female": 0.5, "male": -0.05, "non-binary": 0.05}},
        "gender_mix",
        "gender_mix",
    ),
    (NO_PLATFORMS, {"platforms": {}}, "platforms", "platforms"),
]


def _form_error(page: str, field: str) -> str:
    """The text beside a form field."""
    found = re.search(rf'id="err-{re.escape(field)}" role="alert">(.*?)</p>', page, re.S)
    assert found, (field, page[:2000])
    return html.unescape(found.group(1))


@pytest.mark.parametrize(("form", "settings", "field", "path"), CASES)
def test_the_same_bad_value_gets_the_same_message_everywhere(
    app: Flask, form: dict[str, str], settings: dict[str, Any], field: str, path: str
) -> None:
    client = logged_in(app)
    with app.app_context():
        token = accounts.create_token("alice")
    raw = SETTINGS | settings

    # The rule set itself.
    with pytest.raises(BioSettingsError) as caught:
        validate_bio_settings(raw)
    assert caught.value.field == path
    rule = caught.value.message

    # The Generate form: the message beside the field.
    page = client.post("/generate", data=form)
    assert page.status_code == 200
    assert _form_error(page.get_data(as_text=True), field) == rule

    # The API: the message names the setting; `fields` holds the rule's message.
    reply = client.post(
        "/api/tasks",
        json={"count": 12, "bio_settings": raw},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 422
    error = reply.get_json()["error"]
    assert error["message"] == f"bio_settings.{path}: {rule}"
    assert error["fields"] == {f"bio_settings.{path}": [rule]}

    # The command line: the API's message, word for word.
    result = app.test_cli_runner().invoke(
        args=["submit", "--count", "12", "--bio-settings", json.dumps(raw)]
    )
    assert result.exit_code != 0
    assert f"Error: {error['message']}\n" in result.output
    assert "Traceback" not in result.output

    with app.app_context():
        assert tasks.list_tasks()[1] == 0


def test_saved_defaults_refuse_the_same_values_with_the_same_message(app: Flask) -> None:
    client = logged_in(app, admin=True)
    with app.app_context():
        token = accounts.create_token("alice")
    page = client.post("/settings", data={**FORM, "limit_x": "5"}).get_data(as_text=True)
    reply = client.put(
        "/api/bio-settings",
        json=SETTINGS | {"platforms": {"x": 5}},
        headers={"Authorization": f"Bearer {token}"},
    )
    rule = "limit must be between 10 and 2200"
    assert _form_error(page, "limit_x") == rule
    assert reply.status_code == 422
    assert reply.get_json()["error"]["message"] == f"bio_settings.platforms.x: {rule}"
