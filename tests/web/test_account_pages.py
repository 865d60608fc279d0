"""The account page (password, tokens, log out everywhere) and the admins' users page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts
from tests.web.test_permissions import PASSWORD, client_for


@pytest.fixture
def team(app: Flask) -> Flask:
    """Member alice, admin root."""
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
        accounts.create_user("root", PASSWORD, is_admin=True)
    return app


def _id(app: Flask, username: str) -> int:
    with app.app_context():
        return accounts.user_id_of(username)


def test_password_change_errors_sit_beside_their_fields(team: Flask) -> None:
    alice = client_for(team, "alice")
    page = alice.get("/account").get_data(as_text=True)
    assert "Change your password" in page and "Log out everywhere" in page
    cases = [
        ({"current_password": "wrong-one", "new_password": "n3w-passw0rd"}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"current_password": "", "new_password": "n3w-passw0rd"}, "current_password"),
    ]
    for form, field in cases:
        form["confirm_password"] = form["new_password"]
        html = alice.post("/account/password", data=form).get_data(as_text=True)
        assert f'id="err-{field}"' in html, field
        assert f'aria-describedby="err-{field}"' in html
    mismatch = alice.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "aaaaaaaa1", "confirm_password": "b"},
    ).get_data(as_text=True)
    assert 'id="err-confirm_password"' in mismatch
    client_for(team, "alice")  # nothing changed: the old password still works


def test_tokens_are_shown_once_listed_with_last_use_and_revocable(team: Flask) -> None:
    alice = client_for(team, "alice")
    assert "No tokens yet" in alice.get("/account").get_data(as_text=True)
    empty = alice.post("/account/tokens", data={"name": "  "}).get_data(as_text=True)
    assert 'id="err-name"' in empty
    made = alice.post("/account/tokens", data={"name": "nightly export"})
    html = made.get_data(as_text=True)
    token = re.search(r'readonly value="(adg_[^"]+)"', html)
    assert made.status_code == 200 and token, html[:500]
    assert token.group(1) not in alice.get("/account").get_data(as_text=True)  # shown once
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    api = team.test_client()
    assert api.get("/api/tasks", headers=bearer).status_code == 200
    listing = alice.get("/account").get_data(as_text=True)
    assert "nightly export" in listing and "never" not in listing.split("nightly export")[1]
    token_id = int(re.search(r'data-token-id="(\d+)"', listing).group(1))  # type: ignore[union-attr]

    # Nobody revokes someone else's token.
    root = client_for(team, "root")
    assert root.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert api.get("/api/tasks", headers=bearer).status_code == 200
    assert alice.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/tasks", headers=bearer).status_code == 401
    assert "revoked" in alice.get("/account").get_data(as_text=True)


def test_users_page_lists_creates_and_refuses_bad_input(team: Flask) -> None:
    root = client_for(team, "root")
    page = root.get("/users").get_data(as_text=True)
    assert 'data-user="alice"' in page and 'data-user="root"' in page
    assert "Last login" in page and "Member" in page and "Admin" in page
    bad = [
        ({"username": "alice", "password": PASSWORD}, "username"),
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "eve", "password": "short"}, "password"),
    ]
    for form, field in bad:
        form["confirm_password"] = form["password"]
        html = root.post("/users", data=form).get_data(as_text=True)
        assert f'id="err-{field}"' in html, form
    typo = root.post(
        "/users", data={"username": "eve", "password": PASSWORD, "confirm_password": "x"}
    ).get_data(as_text=True)
    assert 'id="err-confirm_password"' in typo and 'value="eve"' in typo
    made = root.post(
        "/users",
        data={
            "username": "eve",
            "password": PASSWORD,
            "confirm_password": PASSWORD,
            "is_admin": "on",
        },
    )
    assert made.status_code == 302
    eve = client_for(team, "eve")
    assert eve.get("/users").status_code == 200  # created as an admin


def test_admin_flag_never_leaves_the_team_without_an_admin(team: Flask) -> None:
    root = client_for(team, "root")
    root_id, alice_id = _id(team, "root"), _id(team, "alice")
    html = root.post(f"/users/{root_id}/admin", data={"is_admin": "off"}).get_data(as_text=True)
    assert f'id="err-admin-{root_id}"' in html and "last admin" in html
    assert root.get("/users").status_code == 200  # still an admin
    assert root.post(f"/users/{alice_id}/admin", data={"is_admin": "on"}).status_code == 302
    assert client_for(team, "alice").get("/users").status_code == 200
    assert root.post(f"/users/{root_id}/admin", data={"is_admin": "off"}).status_code == 302
    assert root.get("/users").status_code == 403
    assert root.post("/users/999999/logout").status_code == 403


def test_admin_resets_a_password_and_logs_a_user_out(team: Flask) -> None:
    root = client_for(team, "root")
    alice: FlaskClient = client_for(team, "alice")
    alice_id = _id(team, "alice")
    short = root.post(f"/users/{alice_id}/password", data={"password": "x"})
    assert f'id="err-password-{alice_id}"' in short.get_data(as_text=True)
    assert alice.get("/generate").status_code == 200
    assert root.post(f"/users/{alice_id}/password", data={"password": "n3w-passw0rd"}).status_code
    assert alice.get("/generate").status_code == 302
    alice = team.test_client()
    alice.post("/login", data={"username": "alice", "password": "n3w-passw0rd"})
    assert alice.get("/generate").status_code == 200
    assert root.post(f"/users/{alice_id}/logout").status_code == 302
    assert alice.get("/generate").status_code == 302
    assert root.post("/users/999999/logout").status_code == 404
    # An admin who logs themself out everywhere lands on the login page.
    own = root.post(f"/users/{_id(team, 'root')}/logout")
    assert own.headers["Location"] == "/login"
    assert root.get("/users").status_code == 302
