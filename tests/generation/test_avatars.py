"""The avatar route: deterministic SVGs, cacheable, 404 for unknown styles, no login."""

from __future__ import annotations

from avatar_data_generator import tasks
from avatar_data_generator.avatars import available_styles, style_license
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory


def test_default_style_is_cc0() -> None:
    assert "thumbs" in available_styles()
    assert style_license("thumbs") == "CC0 1.0"


def test_svg_is_deterministic_and_cacheable(make_app: AppFactory, sqlite_url: str) -> None:
    client = make_app(sqlite_url).test_client()
    first = client.get("/avatars/thumbs/abc123.svg")
    assert first.status_code == 200
    assert first.mimetype == "image/svg+xml"
    assert first.data.startswith(b"<svg")
    assert "max-age=" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = client.get("/avatars/thumbs/abc123.svg")
    assert again.data == first.data
    other = client.get("/avatars/thumbs/other.svg")
    assert other.data != first.data
    cached = client.get(
        "/avatars/thumbs/abc123.svg", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert cached.status_code == 304
    assert client.get("/avatars/no-such-style/abc.svg").status_code == 404
    assert client.get("/avatars/thumbs/" + "a" * 500 + ".svg").status_code == 404


def test_persona_avatar_urls_resolve(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url, AVATAR_STYLE="thumbs")
    with app.app_context():
        task, _ = tasks.create_task(count=3, provider="local", seed=1)
        assert process_single_task(app)
        personas = list(tasks.iter_personas(task.task_id))
    client = app.test_client()
    for persona in personas:
        response = client.get(persona["avatar"]["url"])
        assert response.status_code == 200 and response.data.startswith(b"<svg")
