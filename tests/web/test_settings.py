"""The saved default bio settings: admins save them, bad values come back beside their fields."""

from __future__ import annotations

from flask import Flask

from avatar_data_generator import tasks
from tests.web.helpers import FORM, logged_in


def test_settings_save_and_reject(app: Flask) -> None:
    client = logged_in(app, admin=True)
    response = client.post("/settings", data={**FORM, "tone": "brisk"})
    assert response.status_code == 302
    with app.app_context():
        saved = tasks.saved_bio_settings()
    assert saved["tone"] == "brisk" and saved["platforms"] == {"x": 120, "linkedin": 200}
    html = client.post("/settings", data={**FORM, "age_max": "500"}).get_data(as_text=True)
    assert 'id="err-age_max"' in html
    assert 'value="500"' in html
