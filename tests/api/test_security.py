"""CSRF on session writes (not on bearer calls), login throttling, headers, cookies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts
from tests.api.conftest import PASSWORD, error_of


@pytest.fixture
def csrf_app(make_app: Any, pg_url: str) -> Flask:
    """CSRF switched on, as in production."""
    app = make_app(pg_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
    return app


def _token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def _login(client: FlaskClient) -> str:
    """Log in through the form with its CSRF token; returns a token for later writes."""
    token = _token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return _token_from(client.get("/generate").get_data(as_text=True))


def test_login_form_needs_its_csrf_token(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/generate").status_code == 302  # still logged out


def test_session_api_writes_need_the_csrf_header(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    token = _login(client)
    assert client.get("/api/tasks").status_code == 200  # reads need none
    refused = client.post("/api/tasks", json={"count": 2})
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "csrf_failed"
    wrong = client.post("/api/tasks", json={"count": 2}, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    error_of(wrong)
    assert client.put("/api/bio-settings", json={"tone": "x"}).status_code == 400
    ok = client.post("/api/tasks", json={"count": 2}, headers={"X-CSRFToken": token})
    assert ok.status_code == 201
    task_id = ok.get_json()["task_id"]
    assert client.post(f"/api/tasks/{task_id}/cancel").status_code == 400
    cancel = client.post(f"/api/tasks/{task_id}/cancel", headers={"X-CSRFToken": token})
    assert cancel.status_code == 200


def test_bearer_calls_need_no_csrf(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        accounts.set_admin(accounts.user_id_of("alice"), True)  # saving defaults is for admins
        bearer = {"Authorization": f"Bearer {accounts.create_token('alice')}"}
    client = csrf_app.test_client()
    created = client.post("/api/tasks", json={"count": 2}, headers=bearer)
    assert created.status_code == 201
    task_id = created.get_json()["task_id"]
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=bearer).status_code == 200
    assert client.put("/api/bio-settings", json={"tone": "calm"}, headers=bearer).status_code == 200
    # A bearer call sets no session cookie.
    assert "Set-Cookie" not in created.headers


def test_page_forms_need_the_csrf_token(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    token = _login(client)
    form = {
        "count": "5",
        "p_x": "on",
        "limit_x": "100",
        "age_min": "18",
        "age_max": "60",
        "mix_female": "50",
        "mix_male": "50",
        "mix_non-binary": "0",
    }
    assert client.post("/generate", data=form).status_code == 400
    assert client.post("/settings", data=form).status_code == 400
    assert client.post("/logout").status_code == 400
    for path in ("/account/password", "/account/tokens", "/account/logout-everywhere", "/users"):
        refused = client.post(path, data={"name": "x", "username": "x"})
        assert refused.status_code == 400 and "Form expired" in refused.get_data(as_text=True)
    assert client.get("/generate").status_code == 200  # none of them logged her out
    made = client.post("/generate", data={**form, "csrf_token": token})
    assert made.status_code == 302 and "/tasks/" in made.headers["Location"]


def test_login_is_throttled_per_username_and_address(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
    client = app.test_client()
    for _ in range(5):
        response = client.post("/login", data={"username": "alice", "password": "wrong"})
        assert response.status_code == 200
        assert "Invalid username or password" in response.get_data(as_text=True)
    blocked = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert client.get("/generate").status_code == 302
    # Another address is not blocked by these failures.
    other = app.test_client()
    ok = other.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert ok.status_code == 302


def test_a_successful_login_forgives_earlier_failures(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
    client = app.test_client()
    for _ in range(4):
        client.post("/login", data={"username": "alice", "password": "wrong"})
    assert (
        client.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 302
    )
    client.post("/logout")
    for _ in range(4):
        client.post("/login", data={"username": "alice", "password": "wrong"})
    assert (
        client.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 302
    )


def test_security_headers_and_cookie_flags(make_app: Any, pg_url: str) -> None:
    app = make_app(pg_url, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
    client = app.test_client()
    for path in ("/login", "/api/openapi.json"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_open_redirects_are_refused(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client = app.test_client()
        response = client.post(
            "/login", data={"username": "alice", "password": PASSWORD, "next": target}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/generate", target
    client = app.test_client()
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "next": "/tasks?status=failed"}
    )
    assert response.headers["Location"] == "/tasks?status=failed"
