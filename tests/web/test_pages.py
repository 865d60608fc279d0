"""The pages: login required, forms with errors beside fields, live task views, escaping."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from avatar_data_generator import accounts, tasks
from avatar_data_generator.db import db, utcnow
from avatar_data_generator.models import GenerationResult, QueueSample
from avatar_data_generator.workers.task_processor import process_single_task

PASSWORD = "s3cret-password"
HOSTILE = "<script>alert('pwned')</script>"
HOSTILE_IMG = '<img src=x onerror="alert(1)">'
PAGES = ["/generate", "/tasks", "/dashboard", "/settings", "/tasks/some-id"]

FORM = {
    "count": "12",
    "batch_size": "5",
    "provider": "local",
    "locale": "en",
    "tone": "warm",
    "language": "en",
    "emoji": "on",
    "age_min": "20",
    "age_max": "60",
    "mix_female": "50",
    "mix_male": "45",
    "mix_non-binary": "5",
    "countries": "Canada, Japan",
    "p_x": "on",
    "limit_x": "120",
    "p_linkedin": "on",
    "limit_linkedin": "200",
}


def _logged_in(app: Flask, *, admin: bool = False) -> FlaskClient:
    with app.app_context():
        accounts.create_user("alice", PASSWORD, is_admin=admin)
    client = app.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_pages_redirect_to_login_without_a_session(client: FlaskClient) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    assert client.get("/login").status_code == 200
    assert client.get("/").headers["Location"] == "/login"


def test_every_page_renders_with_top_bar_and_empty_states(app: Flask) -> None:
    client = _logged_in(app)
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


def test_generate_prefills_saved_defaults_and_shows_an_estimate(app: Flask) -> None:
    client = _logged_in(app)
    with app.app_context():
        tasks.save_bio_settings({"platforms": {"tiktok": 70}, "tone": "laconic", "age_min": 30})
    html = client.get("/generate").get_data(as_text=True)
    assert 'name="limit_tiktok"' in html and 'value="70"' in html
    assert 'value="laconic"' in html
    assert re.search(r'id="p_tiktok" name="p_tiktok"\s+checked', html)
    assert not re.search(r'id="p_x" name="p_x"\s+checked', html)
    assert "More options" in html
    assert "≈ 10 provider calls" in html  # 100 personas, 10 a batch


def test_generate_errors_sit_beside_their_fields_and_values_stay(app: Flask) -> None:
    client = _logged_in(app)
    bad = {**FORM, "count": "0", "tone": "dry", "limit_x": "abc", "age_min": "70"}
    response = client.post("/generate", data=bad)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="err-count"' in html
    assert 'id="err-limit_x"' in html
    assert 'id="err-age_min"' in html
    assert 'value="dry"' in html and 'value="abc"' in html
    assert 'aria-describedby="err-count"' in html
    too_many = client.post("/generate", data={**FORM, "count": "99999"})
    assert "MAX_PERSONAS_PER_TASK" in too_many.get_data(as_text=True)
    batch = client.post("/generate", data={**FORM, "batch_size": "0"}).get_data(as_text=True)
    assert 'id="err-batch_size"' in batch and '<details class="more" open>' in batch
    none = client.post("/generate", data={k: v for k, v in FORM.items() if not k.startswith("p_")})
    assert 'id="err-platforms"' in none.get_data(as_text=True)
    with app.app_context():
        assert tasks.list_tasks()[1] == 0


def test_generate_creates_the_task_and_the_detail_page_follows_it(app: Flask) -> None:
    client = _logged_in(app)
    response = client.post("/generate", data=FORM)
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    task_id = detail_url.rsplit("/", 1)[1]
    with app.app_context():
        task = tasks.get_task(task_id)
        assert task.requested == 12 and task.batch_size == 5
        assert task.bio_settings["platforms"] == {"x": 120, "linkedin": 200}
        assert task.bio_settings["countries"] == ["Canada", "Japan"]
        assert task.bio_settings["gender_mix"]["non-binary"] == 0.05
    html = client.get(detail_url).get_data(as_text=True)
    assert 'data-poll="on"' in html and "Pending" in html and "Cancel" in html
    assert "Personas appear here as batches finish" in html

    process_single_task(app)
    html = client.get(detail_url).get_data(as_text=True)
    assert 'data-poll="off"' in html
    assert 'data-status="completed"' in html
    assert "12</strong> / 12 personas" in html
    assert html.count('class="card persona"') == 12
    assert html.count('<img class="avatar"') == 12
    assert "/120" in html  # bio character count against the limit
    for fmt in ("csv", "json", "jsonl"):
        assert f"/api/tasks/{task_id}/results?format={fmt}" in html
    assert "Retry" not in html and 'id="cancel-button"' not in html
    assert "Provenance" in html and "Quality report" in html
    table = client.get(detail_url + "?view=table").get_data(as_text=True)
    assert 'class="table responsive persona-table"' in table

    listing = client.get("/tasks").get_data(as_text=True)
    assert task_id in listing and "12</strong> / 12 personas" in listing
    assert 'data-poll="off"' in listing
    chip = client.get("/tasks?status=failed").get_data(as_text=True)
    assert "No failed tasks" in chip


def test_cancel_and_retry_buttons(app: Flask) -> None:
    client = _logged_in(app)
    task_id = (
        client.post("/generate", data={**FORM, "count": "40"}).headers["Location"].split("/")[-1]
    )
    response = client.post(f"/tasks/{task_id}/cancel")
    assert response.status_code == 302
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-status="cancelled"' in html and 'id="retry-button"' in html
    client.post(f"/tasks/{task_id}/retry")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-status="pending"' in html and 'id="cancel-button"' in html
    # Retrying a running task is refused with a message, not an error page.
    page = client.post(f"/tasks/{task_id}/retry", follow_redirects=True)
    assert page.status_code == 200 and "only failed or cancelled" in page.get_data(as_text=True)


def test_tasks_paginate_newest_first(app: Flask) -> None:
    client = _logged_in(app)
    with app.app_context():
        ids = [tasks.create_task(count=i + 1)[0].task_id for i in range(23)]
    first = client.get("/tasks").get_data(as_text=True)
    assert ids[-1] in first and ids[0] not in first
    assert "Page 1 of 2" in first
    second = client.get("/tasks?page=2").get_data(as_text=True)
    assert ids[0] in second and ids[-1] not in second


def test_settings_save_and_reject(app: Flask) -> None:
    client = _logged_in(app, admin=True)
    response = client.post("/settings", data={**FORM, "tone": "brisk"})
    assert response.status_code == 302
    with app.app_context():
        saved = tasks.saved_bio_settings()
    assert saved["tone"] == "brisk" and saved["platforms"] == {"x": 120, "linkedin": 200}
    html = client.post("/settings", data={**FORM, "age_max": "500"}).get_data(as_text=True)
    assert 'id="err-age_max"' in html
    assert 'value="500"' in html


def test_dashboard_shows_figures_and_charts(app: Flask) -> None:
    client = _logged_in(app)
    with app.app_context():
        tasks.create_task(count=5)
        now = utcnow()
        for minutes, depth in ((5, 3), (40, 7), (300, 2)):
            db.session.add(
                QueueSample(
                    sampled_at=now - timedelta(minutes=minutes),
                    queue_depth=depth,
                    running_batches=1,
                )
            )
        db.session.commit()
    process_single_task(app)
    html = client.get("/dashboard").get_data(as_text=True)
    for label in (
        "Processed in the last hour",
        "Average processing time",
        "Error rate",
        "Queue depth",
    ):
        assert label in html
    assert 'id="chart-personas"' in html and 'id="chart-queue"' in html
    assert html.count('class="bar"') == 24
    assert "5 in all" in html and "peak 7" in html


def test_hostile_text_is_escaped_everywhere(app: Flask) -> None:
    """Bio settings and persona text are untrusted: they come back escaped."""
    client = _logged_in(app, admin=True)
    response = client.post("/settings", data={**FORM, "tone": HOSTILE, "countries": HOSTILE_IMG})
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


def test_logout(app: Flask) -> None:
    client = _logged_in(app)
    assert client.get("/logout").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/generate").status_code == 302
