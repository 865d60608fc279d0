"""Who may do what on the pages: buttons only for those allowed, and a refused POST does nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts, tasks

PASSWORD = "s3cret-password"
FORM = {
    "count": "30",
    "batch_size": "5",
    "provider": "local",
    "locale": "en",
    "language": "en",
    "age_min": "20",
    "age_max": "60",
    "mix_female": "50",
    "mix_male": "50",
    "mix_non-binary": "0",
    "p_x": "on",
    "limit_x": "120",
}


def client_for(app: Flask, username: str) -> FlaskClient:
    """A client logged in as `username`."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def team(app: Flask) -> Flask:
    """Members alice and bob, admin root."""
    with app.app_context():
        for name, admin in (("alice", False), ("bob", False), ("root", True)):
            accounts.create_user(name, PASSWORD, is_admin=admin)
    return app


def _status(app: Flask, task_id: str) -> str:
    with app.app_context():
        return tasks.get_task(task_id).status


def test_only_the_owner_and_admins_see_and_use_cancel_and_retry(team: Flask) -> None:
    alice, bob, root = (client_for(team, name) for name in ("alice", "bob", "root"))
    task_id = alice.post("/generate", data=FORM).headers["Location"].rsplit("/", 1)[1]

    listing = bob.get("/tasks").get_data(as_text=True)
    assert task_id in listing and 'data-label="By">alice<' in listing  # everyone sees it
    page = bob.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="cancel-button"' not in page and 'id="owner-note"' in page
    assert "Only alice and admins can cancel this task" in page
    refused = bob.post(f"/tasks/{task_id}/cancel")
    assert refused.status_code == 403
    assert "Not allowed" in refused.get_data(as_text=True)
    assert _status(team, task_id) == "pending"

    assert 'id="cancel-button"' in alice.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert alice.post(f"/tasks/{task_id}/cancel").status_code == 302
    assert _status(team, task_id) == "cancelled"
    assert 'id="retry-button"' not in bob.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert bob.post(f"/tasks/{task_id}/retry").status_code == 403
    assert _status(team, task_id) == "cancelled"

    admin_page = root.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="retry-button"' in admin_page and "Created by" in admin_page
    assert root.post(f"/tasks/{task_id}/retry").status_code == 302
    assert _status(team, task_id) == "pending"


def test_command_line_tasks_show_it_and_are_for_admins(team: Flask) -> None:
    with team.app_context():
        task_id = tasks.create_task(count=10)[0].task_id
    alice = client_for(team, "alice")
    page = alice.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "command line" in page and 'id="cancel-button"' not in page
    assert 'id="cancel-button"' in client_for(team, "root").get(f"/tasks/{task_id}").get_data(
        as_text=True
    )


def test_settings_are_read_only_for_members(team: Flask) -> None:
    bob = client_for(team, "bob")
    page = bob.get("/settings").get_data(as_text=True)
    assert 'id="settings-readonly"' in page and "ask root" in page
    assert "Save defaults" not in page and '<fieldset class="plain" disabled>' in page
    refused = bob.post("/settings", data={**FORM, "tone": "sly"})
    assert refused.status_code == 403
    with team.app_context():
        assert tasks.saved_bio_settings()["tone"] != "sly"
    root = client_for(team, "root")
    assert "Save defaults" in root.get("/settings").get_data(as_text=True)
    assert root.post("/settings", data={**FORM, "tone": "sly"}).status_code == 302
    with team.app_context():
        assert tasks.saved_bio_settings()["tone"] == "sly"


def test_the_top_bar_links_account_and_users(team: Flask) -> None:
    member = client_for(team, "bob").get("/tasks").get_data(as_text=True)
    assert 'href="/account"' in member and 'href="/users"' not in member
    admin = client_for(team, "root").get("/tasks").get_data(as_text=True)
    assert 'href="/account"' in admin and 'href="/users"' in admin


def test_users_page_is_for_admins(team: Flask) -> None:
    assert team.test_client().get("/users").headers["Location"].startswith("/login")
    bob = client_for(team, "bob")
    assert bob.get("/users").status_code == 403
    assert bob.post("/users", data={"username": "eve", "password": PASSWORD}).status_code == 403
    with team.app_context():
        bob_id = accounts.user_id_of("bob")
    assert bob.post(f"/users/{bob_id}/admin", data={"is_admin": "on"}).status_code == 403
    with team.app_context():
        assert not any(u.is_admin for u in accounts.list_users() if u.username == "bob")
