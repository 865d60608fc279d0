"""The one JSON error shape: malformed bodies, oversized bodies, unknown routes, crashes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest

from avatar_data_generator import accounts
from avatar_data_generator.api.errors import ApiError, _from_http_exception, error_response
from tests.api.conftest import error_of


def test_malformed_json_is_400(client: FlaskClient, auth: dict[str, str]) -> None:
    for raw in ['{"count": ', "not json", '{"count": 3,}', "\xff\xfe"]:
        response = client.post(
            "/api/tasks", data=raw, headers={**auth, "Content-Type": "application/json"}
        )
        assert response.status_code == 400, raw
        assert error_of(response)["code"] == "bad_request"


def test_non_object_json_is_4xx(client: FlaskClient, auth: dict[str, str]) -> None:
    for body in ([1, 2], 5, "count"):
        response = client.post("/api/tasks", json=body, headers=auth)
        assert 400 <= response.status_code < 500
        error_of(response)


def test_body_over_the_size_limit_is_413(make_app: Any, pg_url: str) -> None:
    app = make_app(pg_url, MAX_CONTENT_LENGTH=2048)
    with app.app_context():
        accounts.create_user("bob", "password-bob")
        headers = {"Authorization": f"Bearer {accounts.create_token('bob')}"}
    body = {"count": 1, "bio_settings": {"tone": "x" * 5000}}
    response = app.test_client().post("/api/tasks", json=body, headers=headers)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_unknown_route_and_wrong_method_are_json(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.get("/api/nothing-here", headers=auth)
    assert response.status_code == 404
    error_of(response)
    response = client.delete("/api/tasks", headers=auth)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unexpected_errors_are_json_500(app: Flask, auth: dict[str, str]) -> None:
    def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_url_rule("/api/boom", "boom", boom)
    response = app.test_client().get("/api/boom", headers=auth)
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error" and "kaboom" not in error["message"]


def test_codes_come_from_one_table_and_one_shape(app: Flask) -> None:
    with app.test_request_context("/api/tasks"):
        assert ApiError(409, "taken").code == "conflict"
        assert ApiError(418, "a teapot").code == "error"
        assert ApiError(400, "bad", code="csrf_failed").code == "csrf_failed"
        response = error_response(ApiError(429, "slow down", headers={"Retry-After": "5"}))
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"
    assert response.get_json() == {"error": {"code": "too_many_requests", "message": "slow down"}}


def test_a_csrf_failure_is_known_by_its_class() -> None:
    error = _from_http_exception(CSRFError("The CSRF token is missing."))
    assert (error.status, error.code) == (400, "csrf_failed")
    assert error.message == "CSRF check failed: The CSRF token is missing."
    assert _from_http_exception(BadRequest("nope")).code == "bad_request"
