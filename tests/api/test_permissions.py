"""Who may do what over the API: everyone sees every task; owners and admins cancel and retry."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts, tasks
from tests.api.conftest import PASSWORD, error_of, login


@pytest.fixture
def team(app: Flask) -> dict[str, dict[str, str]]:
    """Bearer headers of members alice and bob and admin root."""
    headers = {}
    with app.app_context():
        for name, admin in (("alice", False), ("bob", False), ("root", True)):
            accounts.create_user(name, PASSWORD, is_admin=admin)
            headers[name] = {"Authorization": f"Bearer {accounts.create_token(name)}"}
    return headers


def test_tasks_record_who_created_them(
    app: Flask, client: FlaskClient, team: dict[str, dict[str, str]]
) -> None:
    made = client.post("/api/tasks", json={"count": 2}, headers=team["alice"])
    assert made.status_code == 201 and made.get_json()["created_by"] == "alice"
    login(client, "bob")
    by_session = client.post("/api/tasks", json={"count": 2}).get_json()
    assert by_session["created_by"] == "bob"
    with app.app_context():
        from_cli = tasks.create_task(count=2)[0]
        assert tasks.task_to_dict(from_cli)["created_by"] is None
    # Everyone sees every task, with its creator.
    listing = client.get("/api/tasks", headers=team["bob"]).get_json()
    assert sorted(str(t["created_by"]) for t in listing["tasks"]) == ["None", "alice", "bob"]
    shown = client.get(f"/api/tasks/{made.get_json()['task_id']}", headers=team["bob"])
    assert shown.status_code == 200 and shown.get_json()["created_by"] == "alice"


def test_cancel_and_retry_are_for_the_owner_and_admins(
    client: FlaskClient, team: dict[str, dict[str, str]]
) -> None:
    task_id = client.post("/api/tasks", json={"count": 20}, headers=team["alice"]).get_json()[
        "task_id"
    ]
    refused = client.post(f"/api/tasks/{task_id}/cancel", headers=team["bob"])
    assert refused.status_code == 403
    error = error_of(refused)
    assert error["code"] == "forbidden" and "alice" in error["message"]
    assert client.get(f"/api/tasks/{task_id}", headers=team["bob"]).get_json()["status"] == (
        "pending"
    )
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=team["alice"]).status_code == 200
    assert client.post(f"/api/tasks/{task_id}/retry", headers=team["bob"]).status_code == 403
    assert client.post(f"/api/tasks/{task_id}/retry", headers=team["root"]).status_code == 200
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=team["root"]).status_code == 200
    # A session is held to the same rule.
    login(client, "bob")
    assert client.post(f"/api/tasks/{task_id}/retry").status_code == 403
    # Unknown tasks are still 404, whoever asks.
    assert client.post("/api/tasks/nope/cancel", headers=team["bob"]).status_code == 404


def test_command_line_tasks_are_for_admins_and_the_cli(
    app: Flask, client: FlaskClient, team: dict[str, dict[str, str]]
) -> None:
    with app.app_context():
        task_id = tasks.create_task(count=20)[0].task_id
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=team["alice"]).status_code == 403
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=team["root"]).status_code == 200
    result = app.test_cli_runner().invoke(args=["retry", task_id, "--json"])
    assert result.exit_code == 0, result.output  # the operator's tool keeps full rights
    assert '"created_by": null' in result.output


def test_saved_settings_are_for_admins(
    client: FlaskClient, team: dict[str, dict[str, str]]
) -> None:
    body = {"tone": "dry", "platforms": {"x": 100}}
    for member in ("alice", "bob"):
        assert client.get("/api/bio-settings", headers=team[member]).status_code == 200
        refused = client.put("/api/bio-settings", json=body, headers=team[member])
        assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    saved = client.put("/api/bio-settings", json=body, headers=team["root"])
    assert saved.status_code == 200 and saved.get_json()["tone"] == "dry"


def test_the_document_names_the_403s(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, method in (
        ("/api/tasks/{task_id}/cancel", "post"),
        ("/api/tasks/{task_id}/retry", "post"),
        ("/api/bio-settings", "put"),
    ):
        assert "403" in paths[path][method]["responses"], path
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]["TaskOut"]
    assert "created_by" in schema["required"]
