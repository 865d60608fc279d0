"""The task pages: Generate (errors beside their fields), the list, one task, cancel, retry."""

from __future__ import annotations

import re

from flask import Flask

from avatar_data_generator import tasks
from avatar_data_generator.workers.task_processor import process_single_task
from tests.web.helpers import FORM, logged_in


def test_generate_prefills_saved_defaults_and_shows_an_estimate(app: Flask) -> None:
    client = logged_in(app)
    with app.app_context():
        tasks.save_bio_settings({"platforms": {"tiktok": 70}, "tone": "laconic", "age_min": 30})
    html = client.get("/generate").get_data(as_text=True)
    assert 'name="limit_tiktok"' in html and 'value="70"' in html
    assert 'value="laconic"' in html
    assert re.search(r'id="p_tiktok" name="p_tiktok"\s+checked', html)
    assert not re.search(r'id="p_x" name="p_x"\s+checked', html)
    assert "More options" in html
    assert "≈ 10 provider calls" in html  # 100 personas, 10 a batch
    assert 'id="estimate-cost">, no cost' in html  # the local provider
    assert 'id="estimate-button"' in html


def test_generate_errors_sit_beside_their_fields_and_values_stay(app: Flask) -> None:
    client = logged_in(app)
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
    client = logged_in(app)
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
    for fmt in ("csv", "json", "jsonl", "parquet"):
        assert f"/api/tasks/{task_id}/results?format={fmt}" in html
    assert 'id="download-parquet"' in html and ">Parquet</a>" in html
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
    client = logged_in(app)
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
    client = logged_in(app)
    with app.app_context():
        ids = [tasks.create_task(count=i + 1)[0].task_id for i in range(23)]
    first = client.get("/tasks").get_data(as_text=True)
    assert ids[-1] in first and ids[0] not in first
    assert "Page 1 of 2" in first
    second = client.get("/tasks?page=2").get_data(as_text=True)
    assert ids[0] in second and ids[-1] not in second


def test_the_task_page_shows_tokens_and_cost(app: Flask) -> None:
    from sqlalchemy import update

    from avatar_data_generator.db import db
    from avatar_data_generator.models import GenerationTask

    client = logged_in(app)
    with app.app_context():
        task, _ = tasks.create_task(count=3)
        db.session.execute(
            update(GenerationTask)
            .where(GenerationTask.task_id == task.task_id)
            .values(tokens_in=1200, tokens_out=3400, tokens_used=4600, cost=0.01234)
        )
        db.session.commit()
    html = client.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    assert re.search(r'id="fact-tokens">4,600 <span class="muted">\(1,200 in, 3,400 out\)', html)
    assert re.search(r'id="fact-cost">0.0123 <span class="muted">USD</span>', html)


def test_estimate_button_on_the_generate_page_creates_nothing(app: Flask) -> None:
    client = logged_in(app)
    response = client.post("/generate", data={**FORM, "count": "31", "action": "estimate"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "≈ 7 provider calls" in html  # 31 personas, 5 a batch
    assert "For 31 personas with local" in html and "no tokens and no cost" in html
    assert 'value="31"' in html
    with app.app_context():
        assert tasks.list_tasks()[1] == 0
