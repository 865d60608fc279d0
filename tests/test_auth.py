"""Sessions end for real, remember-me expires server-side, login timing and an atomic throttle."""

from __future__ import annotations

import contextlib
import http.client
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from avatar_data_generator import accounts, auth
from tests.conftest import AppFactory

PASSWORD = "s3cret-password"
NEW_PASSWORD = "another-s3cret"
COOKIES = ("session", "remember_token")


@pytest.fixture
def alice(app: Flask) -> Flask:
    """The app with member `alice` and admin `root`."""
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
        accounts.create_user("root", PASSWORD, is_admin=True)
    return app


def login(client: FlaskClient, username: str = "alice", password: str = PASSWORD) -> Any:
    """Log in with remember-me; the response must be the redirect of a success."""
    response = client.post(
        "/login", data={"username": username, "password": password, "remember": "on"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def saved_cookies(client: FlaskClient) -> dict[str, str]:
    """The session and remember-me cookies a thief could have copied."""
    cookies = {name: client.get_cookie(name) for name in COOKIES}
    assert all(cookies.values()), cookies
    return {name: cookie.value for name, cookie in cookies.items() if cookie is not None}


def replay(app: Flask, name: str, value: str) -> FlaskClient:
    """A fresh client holding one copied cookie."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def assert_signed_in(app: Flask, cookies: dict[str, str]) -> None:
    for name, value in cookies.items():
        client = replay(app, name, value)
        assert client.get("/generate").status_code == 200, name
        assert client.get("/api/tasks").status_code == 200, name


def assert_signed_out(app: Flask, cookies: dict[str, str]) -> None:
    for name, value in cookies.items():
        client = replay(app, name, value)
        page = client.get("/generate")
        assert page.status_code == 302 and page.headers["Location"].startswith("/login"), name
        api = client.get("/api/tasks")
        assert api.status_code == 401, name
        assert api.get_json()["error"]["code"] == "unauthorized"


def _logout(app: Flask, client: FlaskClient) -> None:
    assert client.post("/logout").status_code == 302


def _log_out_everywhere(app: Flask, client: FlaskClient) -> None:
    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def _admin_resets_password(app: Flask, client: FlaskClient) -> None:
    admin = app.test_client()
    login(admin, "root")
    with app.app_context():
        alice_id = accounts.user_id_of("alice")
    response = admin.post(f"/users/{alice_id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302


def _cli_set_password(app: Flask, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(
        args=["set-password", "alice", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output


def _admin_logs_her_out(app: Flask, client: FlaskClient) -> None:
    admin = app.test_client()
    login(admin, "root")
    with app.app_context():
        alice_id = accounts.user_id_of("alice")
    assert admin.post(f"/users/{alice_id}/logout").status_code == 302


ENDINGS: dict[str, Callable[[Flask, FlaskClient], None]] = {
    "logout": _logout,
    "log out everywhere": _log_out_everywhere,
    "admin resets the password": _admin_resets_password,
    "set-password in the CLI": _cli_set_password,
    "admin logs her out everywhere": _admin_logs_her_out,
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_old_session_and_remember_cookies_stop_working(alice: Flask, ending: str) -> None:
    client = alice.test_client()
    login(client)
    stolen = saved_cookies(client)
    other_device = alice.test_client()
    login(other_device)
    assert_signed_in(alice, stolen)
    ENDINGS[ending](alice, client)
    assert_signed_out(alice, stolen)
    assert_signed_out(alice, saved_cookies(other_device))  # every session of hers, not one


def test_changing_ones_password_keeps_this_session_and_ends_the_others(alice: Flask) -> None:
    client = alice.test_client()
    login(client)
    stolen = saved_cookies(client)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/generate").status_code == 200  # this browser goes on
    assert_signed_in(alice, saved_cookies(client))  # with fresh cookies, remember-me included
    assert_signed_out(alice, stolen)
    old = alice.test_client().post("/login", data={"username": "alice", "password": PASSWORD})
    assert old.status_code == 200 and "Invalid username or password" in old.get_data(as_text=True)
    login(alice.test_client(), password=NEW_PASSWORD)


def test_remember_me_expires_after_30_days_on_the_server(
    alice: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = alice.test_client()
    response = login(client)
    set_cookie = [h for h in response.headers.getlist("Set-Cookie") if "remember_token" in h]
    assert set_cookie and "Expires=" in set_cookie[0] and "HttpOnly" in set_cookie[0]
    cookies = saved_cookies(client)
    now = time.time()
    monkeypatch.setattr(auth, "clock", lambda: now + 29 * 86400)
    assert_signed_in(alice, cookies)
    monkeypatch.setattr(auth, "clock", lambda: now + 30 * 86400 + 60)
    assert_signed_out(alice, cookies)  # the cookie itself would still be sent
    monkeypatch.setattr(auth, "clock", lambda: now - 3600)
    assert_signed_out(alice, cookies)  # issued in the future: forged or a broken clock


def test_identifiers_from_before_epochs_or_malformed_are_refused(alice: Flask) -> None:
    with alice.app_context():
        user_id = accounts.user_id_of("alice")
    for identifier in (str(user_id), f"{user_id}:x:1", "", "1:2", f"{user_id}:0:{10**30}"):
        client = alice.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = identifier
            session["_fresh"] = True
        assert client.get("/generate").status_code == 302, identifier


def test_login_takes_as_long_for_an_unknown_user(alice: Flask) -> None:
    """Unknown username vs known username with a wrong password: same work, same time."""
    client = alice.test_client()
    timings: dict[str, list[float]] = {"unknown": [], "known": []}

    def attempt(kind: str, i: int) -> float:
        username = f"nobody-{i}" if kind == "unknown" else "alice"
        started = time.perf_counter()
        response = client.post(
            "/login",
            data={"username": username, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.7.{i // 200}.{i % 200}"},  # never throttled
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed

    for i in range(3):  # warm up: the dummy hash, connections, templates
        attempt("unknown", 1000 + i)
        attempt("known", 2000 + i)
    for i in range(20):
        for kind in ("unknown", "known") if i % 2 else ("known", "unknown"):
            timings[kind].append(attempt(kind, i * 2 + (kind == "known")))
    unknown, known = (statistics.median(timings[k]) * 1000 for k in ("unknown", "known"))
    gap = abs(unknown - known)
    print(f"login timing: unknown {unknown:.1f} ms, known {known:.1f} ms, gap {gap:.1f} ms")
    assert gap < 20, (unknown, known)


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[int]:
    """The app under werkzeug's threaded HTTP server on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)


def post_login(port: int, username: str, password: str) -> int:
    """One login over a real connection; returns the status code."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = urlencode({"username": username, "password": password})
        conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        return conn.getresponse().status
    finally:
        conn.close()


def test_forty_parallel_wrong_passwords_get_at_most_five_checks(
    make_app: AppFactory, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(pg_url, DB_POOL_SIZE=8)
    with app.app_context():
        accounts.create_user("alice", PASSWORD)
    checks = 0
    lock = threading.Lock()
    real_check = accounts.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        nonlocal checks
        with lock:
            checks += 1
        return real_check(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting_check)
    statuses: list[int] = []
    start = threading.Barrier(40)

    def one() -> None:
        start.wait()
        status = post_login(port, "alice", "wrong-password")
        with lock:
            statuses.append(status)

    with serving(app) as port:
        threads = [threading.Thread(target=one) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        print(f"parallel logins: {checks} password checks, {statuses.count(429)} got 429")
        assert len(statuses) == 40
        assert checks == auth.THROTTLE_LIMIT, checks  # attempts take turns: exactly the limit
        assert statuses.count(200) == checks  # each checked one said "invalid password"
        assert statuses.count(429) == 40 - checks
        # The right password is throttled too now, without a check.
        assert post_login(port, "alice", PASSWORD) == 429
        assert checks <= auth.THROTTLE_LIMIT
