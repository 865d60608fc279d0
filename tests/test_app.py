"""The app factory: proxy headers are trusted only when configured."""

from __future__ import annotations

from tests.conftest import AppFactory


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(
    make_app: AppFactory, sqlite_url: str
) -> None:
    for hops, expected in [(0, "127.0.0.1"), (1, "203.0.113.9")]:
        app = make_app(sqlite_url, TRUSTED_PROXIES=hops)

        @app.get("/_ip")
        def ip() -> str:
            from flask import request

            return str(request.remote_addr)

        response = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
        assert response.text == expected
