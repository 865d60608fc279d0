"""API fixtures: an app on a fresh PostgreSQL database, a user and a bearer token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts

PASSWORD = "s3cret-password"


@pytest.fixture
def token(app: Flask) -> str:
    """A bearer token of user `alice`."""
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
        return accounts.create_token("alice")


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    """Headers of a bearer call."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_auth(app: Flask) -> dict[str, str]:
    """Headers of a bearer call by admin `root`."""
    with app.app_context():
        accounts.create_user("root", PASSWORD, is_admin=True)
        return {"Authorization": f"Bearer {accounts.create_token('root')}"}


def login(client: FlaskClient, username: str = "alice", password: str = PASSWORD) -> Any:
    """Log in through the form (CSRF off in these apps unless a test turns it on)."""
    return client.post("/login", data={"username": username, "password": password})


def create(client: FlaskClient, auth: dict[str, str], **body: Any) -> Any:
    """POST a task (3 personas unless the body says otherwise)."""
    return client.post("/api/tasks", json={"count": 3, **body}, headers=auth)


def error_of(response: Any) -> dict[str, Any]:
    """The one error shape; fails if the body is anything else."""
    assert response.is_json, response.data[:300]
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])
