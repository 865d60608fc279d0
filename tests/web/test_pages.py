"""Every page: the top bar, empty states, no inline scripts, and untrusted text escaped."""

from __future__ import annotations

import json
import re

from flask import Flask
from sqlalchemy import select

from avatar_data_generator.db import db
from avatar_data_generator.models import GenerationResult
from avatar_data_generator.workers.task_processor import process_single_task
from tests.web.helpers import FORM, HOSTILE, HOSTILE_IMG, logged_in


def test_every_page_renders_with_top_bar_and_empty_states(app: Flask) -> None:
    client = logged_in(app)
    for path in ["/generate", "/tasks", "/dashboard", "/settings"]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for link in ("Generate", "Tasks", "Dashboard", "Settings", "Log out", "alice", "/account"):
            assert link in html, (path, link)
        assert '<script src="/static/app.js"' in html
        assert re.search(r"<script>(?!</script>)", html) is None  # no inline scripts (CSP)
    assert "No tasks yet — generate your first personas" in client.get("/tasks").get_data(
        as_text=True
    )
    missing = client.get("/tasks/does-not-exist")
    assert missing.status_code == 404
    assert "There is nothing here" in missing.get_data(as_text=True)
    for action in ("cancel", "retry"):
        assert client.post(f"/tasks/does-not-exist/{action}").status_code == 404
    assert client.get("/tasks/" + "x" * 500).status_code == 404
    assert client.get("/static/app.css").status_code == 200


def test_hostile_text_is_escaped_everywhere(app: Flask) -> None:
    """Bio settings and persona text are untrusted: they come back escaped."""
    client = logged_in(app, admin=True)
    refused = client.post("/settings", data={**FORM, "countries": HOSTILE_IMG})
    assert refused.status_code == 200  # no such country: the form again, the name escaped
    refused_html = refused.get_data(as_text=True)
    assert HOSTILE_IMG not in refused_html and "unsupported country" in refused_html
    response = client.post("/settings", data={**FORM, "tone": HOSTILE})
    assert response.status_code == 302
    settings_html = client.get("/settings").get_data(as_text=True)
    assert HOSTILE not in settings_html and "&lt;script&gt;" in settings_html

    task_id = client.post("/generate", data={**FORM, "tone": HOSTILE}).headers["Location"]
    task_id = task_id.rsplit("/", 1)[1]
    process_single_task(app)
    with app.app_context():
        row = db.session.scalars(
            select(GenerationResult).where(GenerationResult.task_id == task_id).limit(1)
        ).one()
        data = dict(row.data)
        data.update(
            first_name=HOSTILE,
            last_name=HOSTILE_IMG,
            city="</textarea><b>x</b>",
            occupation='"><svg onload=alert(1)>',
            username=HOSTILE,
            email=HOSTILE,
            bios={"x": HOSTILE, "linkedin": HOSTILE_IMG},
        )
        data["avatar"] = {**data["avatar"], "url": 'javascript:alert(1)" onerror="alert(2)'}
        row.data = data
        db.session.commit()
    for view in ("", "?view=table"):
        html = client.get(f"/tasks/{task_id}{view}").get_data(as_text=True)
        assert HOSTILE not in html
        assert HOSTILE_IMG not in html
        assert "<svg onload" not in html and "<b>x</b>" not in html
        assert 'onerror="alert(2)' not in html
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    # The hostile tone shows up escaped in the provenance too.
    assert "&lt;script&gt;" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    export = client.get(f"/api/tasks/{task_id}/results?format=jsonl").get_data(as_text=True)
    assert any(json.loads(line)["first_name"] == HOSTILE for line in export.splitlines())
