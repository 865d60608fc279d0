"""What the page tests share: a logged-in client and a Generate form with its bio settings."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts

PASSWORD = "s3cret-password"
HOSTILE = "<script>alert('pwned')</script>"
HOSTILE_IMG = '<img src=x onerror="alert(1)">'

FORM = {
    "count": "12",
    "batch_size": "5",
    "provider": "local",
    "locale": "en",
    "tone": "warm",
    "language": "en",
    "emoji": "on",
    "age_min": "20",
    "age_max": "60",
    "mix_female": "50",
    "mix_male": "45",
    "mix_non-binary": "5",
    "countries": "Canada, Japan",
    "p_x": "on",
    "limit_x": "120",
    "p_linkedin": "on",
    "limit_linkedin": "200",
}
#: The bio settings FORM stands for, as the API and `submit --bio-settings` take them.
SETTINGS: dict[str, Any] = {
    "platforms": {"x": 120, "linkedin": 200},
    "tone": "warm",
    "language": "en",
    "emoji": True,
    "hashtags": False,
    "age_min": 20,
    "age_max": 60,
    "gender_mix": {"female": 0.5, "male": 0.45, "non-binary": 0.05},
    "countries": ["Canada", "Japan"],
}


def logged_in(app: Flask, *, admin: bool = False) -> FlaskClient:
    """A client logged in as alice (an admin if asked)."""
    with app.app_context():
        accounts.create_user("alice", PASSWORD, is_admin=admin)
    client = app.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    return client
