"""The JSON API's task routes: every status code of the contract, idempotency, pagination,
streaming, and the countries a task may name (bio settings: `test_settings.py`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts, tasks
from avatar_data_generator.workers.task_processor import process_single_task
from tests.api.conftest import create, error_of, login

# ------------------------------------------------------------------ auth


MISSING_TOKEN_CASES = [
    ("get", "/api/tasks"),
    ("post", "/api/tasks"),
    ("get", "/api/tasks/x"),
    ("get", "/api/tasks/x/results"),
    ("post", "/api/tasks/x/cancel"),
    ("post", "/api/tasks/x/retry"),
    ("get", "/api/bio-settings"),
    ("put", "/api/bio-settings"),
]


def test_missing_or_wrong_token_is_401(client: FlaskClient, token: str) -> None:
    for method, path in MISSING_TOKEN_CASES:
        response = getattr(client, method)(path, json={"count": 1})
        assert response.status_code == 401, path
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ["Bearer nope", "Bearer ", "Bearer adg_" + "x" * 43, "Basic YWxpY2U6eA=="]:
        response = client.get("/api/tasks", headers={"Authorization": header})
        assert response.status_code == 401, header
        error_of(response)


def test_revoked_token_is_401(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    assert client.get("/api/tasks", headers=auth).status_code == 200
    with app.app_context():
        assert accounts.revoke_tokens("alice") == 1
    assert client.get("/api/tasks", headers=auth).status_code == 401


def test_session_works_for_reads_and_writes(client: FlaskClient, token: str) -> None:
    login(client)
    assert client.get("/api/tasks").status_code == 200
    assert client.post("/api/tasks", json={"count": 2}).status_code == 201


# ------------------------------------------------------------------ create


def test_create_returns_201_with_the_task(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    response = create(client, auth, count=25, batch_size=10, provider="local", locale="de", seed=7)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending"
    assert (body["requested"], body["generated"], body["batches_total"]) == (25, 0, 3)
    assert response.headers["Location"] == f"/api/tasks/{body['task_id']}"
    with app.app_context():
        assert body == tasks.task_to_dict(tasks.get_task(body["task_id"]))
    for key in (
        "task_id",
        "status",
        "requested",
        "generated",
        "batches_total",
        "batches_done",
        "provider",
        "created_at",
        "started_at",
        "finished_at",
        "error",
    ):
        assert key in body
    assert body["provenance"]["provider"] == "local"
    assert isinstance(body["quality"], dict)


INVALID_CREATE_CASES = [
    ({"count": 0}, "count"),
    ({"count": -5}, "count"),
    ({"count": "ten"}, "count"),
    ({"count": "5"}, "count"),
    ({"count": 2.5}, "count"),
    ({"count": None}, "count"),
    ({"count": True}, "count"),
    ({}, "count"),
    ({"count": 5, "provider": "skynet"}, "provider"),
    ({"count": 5, "batch_size": 0}, "batch_size"),
    ({"count": 5, "batch_size": 1000}, "batch_size"),
    ({"count": 5, "locale": ""}, "locale"),
    ({"count": 5, "seed": -1}, "seed"),
    ({"count": 5, "colour": "blue"}, "colour"),
    ({"count": 5, "bio_settings": {"age_min": 60, "age_max": 20}}, "bio_settings"),
    ({"count": 5, "bio_settings": {"platforms": {"myspace": 10}}}, "bio_settings"),
    ({"count": 5, "bio_settings": "loud"}, "bio_settings"),
    ({"count": 5, "locale": "en\u0000"}, "locale"),
]


def test_invalid_values_are_422(client: FlaskClient, auth: dict[str, str]) -> None:
    for body, field in INVALID_CREATE_CASES:
        response = client.post("/api/tasks", json=body, headers=auth)
        assert response.status_code == 422, (body, response.get_json())
        error = error_of(response)
        assert error["code"] == "validation_error"
        assert field in error["message"], (body, error)
    assert client.get("/api/tasks", headers=auth).get_json()["total"] == 0


def test_count_above_the_limit_is_422_naming_the_limit(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    for count in (10001, 10**9):
        response = create(client, auth, count=count)
        assert response.status_code == 422
        message = error_of(response)["message"]
        assert "MAX_PERSONAS_PER_TASK" in message and "10000" in message


# ------------------------------------------------------------------ idempotency


def test_idempotency_key_returns_the_same_task(client: FlaskClient, auth: dict[str, str]) -> None:
    headers = {**auth, "Idempotency-Key": "order-42"}
    first = client.post("/api/tasks", json={"count": 4}, headers=headers)
    again = client.post("/api/tasks", json={"count": 4}, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["task_id"] == first.get_json()["task_id"]
    other = client.post("/api/tasks", json={"count": 4}, headers={**auth, "Idempotency-Key": "b"})
    assert other.status_code == 201
    assert other.get_json()["task_id"] != first.get_json()["task_id"]
    listed = client.get("/api/tasks", headers=auth).get_json()
    assert listed["total"] == 2


def test_idempotency_keys_are_per_user(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    with app.app_context():
        accounts.create_user("bob", "password-bob")
        bob = {"Authorization": f"Bearer {accounts.create_token('bob')}", "Idempotency-Key": "k"}
    a = client.post("/api/tasks", json={"count": 1}, headers={**auth, "Idempotency-Key": "k"})
    b = client.post("/api/tasks", json={"count": 1}, headers=bob)
    assert a.status_code == b.status_code == 201
    assert a.get_json()["task_id"] != b.get_json()["task_id"]


def test_overlong_idempotency_key_is_422(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/tasks", json={"count": 1}, headers={**auth, "Idempotency-Key": "k" * 201}
    )
    assert response.status_code == 422
    error_of(response)


# ------------------------------------------------------------------ read, list


def test_unknown_task_is_404_everywhere(client: FlaskClient, auth: dict[str, str]) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path in [
        ("get", f"/api/tasks/{missing}"),
        ("get", f"/api/tasks/{missing}/results?format=csv"),
        ("post", f"/api/tasks/{missing}/cancel"),
        ("post", f"/api/tasks/{missing}/retry"),
        ("get", "/api/tasks/" + "x" * 500),
        ("get", "/api/tasks/a%00b"),
    ]:
        response = getattr(client, method)(path, headers=auth)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"


def test_list_filters_and_paginates(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    ids = [create(client, auth, count=i + 1).get_json()["task_id"] for i in range(5)]
    client.post(f"/api/tasks/{ids[0]}/cancel", headers=auth)
    page = client.get("/api/tasks?limit=2", headers=auth).get_json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 0
    assert [t["task_id"] for t in page["tasks"]] == [ids[4], ids[3]]  # newest first
    second = client.get("/api/tasks?limit=2&page=2", headers=auth).get_json()
    assert [t["task_id"] for t in second["tasks"]] == [ids[2], ids[1]]
    by_offset = client.get("/api/tasks?limit=2&offset=4", headers=auth).get_json()
    assert [t["task_id"] for t in by_offset["tasks"]] == [ids[0]]
    cancelled = client.get("/api/tasks?status=cancelled", headers=auth).get_json()
    assert cancelled["total"] == 1 and cancelled["tasks"][0]["task_id"] == ids[0]
    pending = client.get("/api/tasks?status=pending", headers=auth).get_json()
    assert pending["total"] == 4
    with app.app_context():
        assert page["tasks"][0] == tasks.task_to_dict(tasks.get_task(ids[4]))
    for bad in ("status=done", "limit=0", "limit=abc", "offset=-1", "page=0"):
        response = client.get(f"/api/tasks?{bad}", headers=auth)
        assert response.status_code == 422, bad
        error_of(response)


def test_show_has_provenance_and_quality(client: FlaskClient, auth: dict[str, str]) -> None:
    task_id = create(client, auth, count=2).get_json()["task_id"]
    body = client.get(f"/api/tasks/{task_id}", headers=auth).get_json()
    assert body["task_id"] == task_id
    assert {"provenance", "quality"} <= set(body)
    assert body["provenance"]["model"]


# ------------------------------------------------------------------ cancel, retry


def test_cancel_and_retry_follow_the_lifecycle(client: FlaskClient, auth: dict[str, str]) -> None:
    task_id = create(client, auth, count=30).get_json()["task_id"]
    retry_pending = client.post(f"/api/tasks/{task_id}/retry", headers=auth)
    assert retry_pending.status_code == 409
    assert error_of(retry_pending)["code"] == "conflict"
    cancelled = client.post(f"/api/tasks/{task_id}/cancel", headers=auth)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["finished_at"]
    again = client.post(f"/api/tasks/{task_id}/cancel", headers=auth)
    assert again.status_code == 409
    error_of(again)
    retried = client.post(f"/api/tasks/{task_id}/retry", headers=auth)
    assert retried.status_code == 200
    assert retried.get_json()["status"] in ("pending", "generating-data")


def test_completed_task_cannot_be_cancelled_or_retried(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    task_id = create(client, auth, count=3).get_json()["task_id"]
    process_single_task(app)
    assert client.get(f"/api/tasks/{task_id}", headers=auth).get_json()["status"] == "completed"
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=auth).status_code == 409
    assert client.post(f"/api/tasks/{task_id}/retry", headers=auth).status_code == 409


# ------------------------------------------------------------------ results


def test_a_12_persona_task_streams_csv_jsonl_and_json(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    created = create(client, auth, count=12, batch_size=5)
    assert created.status_code == 201
    task_id = created.get_json()["task_id"]
    process_single_task(app)
    task = client.get(f"/api/tasks/{task_id}", headers=auth).get_json()
    assert task["status"] == "completed" and task["generated"] == 12

    response = client.get(f"/api/tasks/{task_id}/results?format=csv", headers=auth)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 13 and rows[0][0] == "id"

    response = client.get(f"/api/tasks/{task_id}/results?format=jsonl", headers=auth)
    assert response.is_streamed and response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).strip().split("\n")
    assert len(lines) == 12
    personas = [json.loads(line) for line in lines]
    assert all(p["synthetic"] is True for p in personas)
    assert len({p["id"] for p in personas}) == 12

    response = client.get(f"/api/tasks/{task_id}/results", headers=auth)  # json by default
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert len(body["personas"]) == 12 and body["task"]["task_id"] == task_id

    bad = client.get(f"/api/tasks/{task_id}/results?format=xml", headers=auth)
    assert bad.status_code == 422
    error_of(bad)


def test_countries_lists_the_supported_ones_with_their_sources(client: Any, auth: Any) -> None:
    body = client.get("/api/countries", headers=auth).get_json()
    codes = {c["code"] for c in body["countries"]}
    assert {
        "US",
        "GB",
        "CA",
        "AU",
        "DE",
        "FR",
        "ES",
        "IT",
        "PL",
        "JP",
        "KR",
        "CN",
        "IN",
        "BR",
    } <= codes
    assert {"MX", "NG", "ZA", "EG"} <= codes and len(codes) >= 24
    germany = next(c for c in body["countries"] if c["code"] == "DE")
    assert germany["name"] == "Germany" and germany["language"] == "de"
    assert any("World Population Prospects" in s for s in germany["sources"])
    assert body["data_version"]


def test_a_task_naming_an_unsupported_country_is_refused_listing_the_supported(
    client: Any, auth: Any
) -> None:
    response = client.post(
        "/api/tasks", json={"count": 5, "bio_settings": {"countries": ["Atlantis"]}}, headers=auth
    )
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "Atlantis" in message and "Germany (DE)" in message and "Japan (JP)" in message
    refused = client.post("/api/tasks", json={"count": 5, "locale": "sv"}, headers=auth)
    assert refused.status_code == 422 and "locale" in refused.get_json()["error"]["message"]
