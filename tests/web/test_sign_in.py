"""Signing in and out: every page needs a login, the home page picks one, logout."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import logged_in

PAGES = ["/generate", "/tasks", "/dashboard", "/settings", "/tasks/some-id"]


def test_pages_redirect_to_login_without_a_session(client: FlaskClient) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    assert client.get("/login").status_code == 200
    assert client.get("/").headers["Location"] == "/login"


def test_logout(app: Flask) -> None:
    client = logged_in(app)
    assert client.get("/logout").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/generate").status_code == 302
