"""The JSON API's bio-settings routes: read, save (admins only), refuse bad values, and give
way to the defaults when a saved row breaks a newer rule."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.generation.bio_settings import default_bio_settings
from avatar_data_generator.models import BioSettings
from tests.api.conftest import create, error_of


def test_bio_settings_read_and_save(
    client: FlaskClient, auth: dict[str, str], admin_auth: dict[str, str]
) -> None:
    current = client.get("/api/bio-settings", headers=auth)
    assert current.status_code == 200
    assert current.get_json()["platforms"]["x"] == 160
    new = {"platforms": {"x": 100, "linkedin": 200}, "tone": "wry", "age_min": 25, "age_max": 40}
    refused = client.put("/api/bio-settings", json=new, headers=auth)  # a member
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert client.get("/api/bio-settings", headers=auth).get_json()["tone"] != "wry"
    saved = client.put("/api/bio-settings", json=new, headers=admin_auth)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["tone"] == "wry"
    again = client.get("/api/bio-settings", headers=auth).get_json()
    assert again["platforms"] == {"x": 100, "linkedin": 200}
    task = create(client, auth, count=1).get_json()
    assert task["provenance"]["settings"]["tone"] == "wry"


def test_bad_bio_settings_are_422_and_malformed_400(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    for body in [
        {"age_min": 80, "age_max": 20},
        {"platforms": {"friendster": 10}},
        {"platforms": {"x": -4}},
        {"emoji": "sometimes"},
        {"age_min": 5},
        ["x"],
    ]:
        response = client.put("/api/bio-settings", json=body, headers=auth)
        assert response.status_code == 422, body
        error_of(response)
    response = client.put(
        "/api/bio-settings", data="{oops", headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error_of(response)


def test_saved_settings_the_rules_now_refuse_give_way_to_the_defaults(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    """A row saved before a rule was added must not break every page and every submit."""
    with app.app_context():
        tasks.save_bio_settings({"tone": "wry"})
        db.session.execute(update(BioSettings).values(settings={"platforms": {}}))
        db.session.commit()
    current = client.get("/api/bio-settings", headers=auth)
    assert current.status_code == 200
    assert current.get_json() == default_bio_settings()
    assert create(client, auth, count=1).status_code == 201
