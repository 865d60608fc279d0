"""Post-processing: every task ends with a realism report on its stored personas, whatever
wrote them; a model's contradictions are caught and named, with examples."""

from __future__ import annotations

from typing import Any

from avatar_data_generator import tasks
from avatar_data_generator.db import db
from avatar_data_generator.workers.postprocess import postprocess
from avatar_data_generator.workers.runtime import start_worker
from tests.conftest import AppFactory
from tests.faults.helpers import flowise_config, submit, wait_finished


def test_a_model_that_invents_contradictions_is_caught_by_the_realism_report(
    make_app: AppFactory, pg_url: str, flowise: Any
) -> None:
    flowise.faults.append("contradictory")
    app = make_app(pg_url, WORKER_IN_TESTS=True, WORKER_INTERVAL=1, **flowise_config(flowise.url))
    # `model`: the model invents every fact (in the default `sampled` mode ours would win).
    task_id = submit(app, count=10, batch_size=10, provider="flowise", facts="model")
    assert start_worker(app) is not None
    assert wait_finished(app, task_id, 30) == "completed"
    with app.app_context():
        task = tasks.get_task(task_id)
        personas = {p["first_name"]: p["id"] for p in tasks.iter_personas(task_id)}
    realism = task.quality["realism"]
    mary = personas["Mary"]
    for rule in (
        "doctorate_under_25",
        "occupation_below_min_age",
        "name_vs_sex",
        "city_outside_country",
        "retired_under_50",
    ):
        assert realism["violations"][rule]["count"] >= 1, rule
    assert mary in realism["violations"]["doctorate_under_25"]["examples"]
    assert realism["personas"] == 10 and realism["personas_with_violation"]["count"] >= 2
    # Mary lives in Germany but the model did not write her bios in German: a miss, named.
    confused = realism["bio_language"]["confused"]
    assert any(k.startswith("de->") for k in confused), realism["bio_language"]
    assert mary in realism["bio_language"]["examples"]


def test_a_local_task_reports_no_contradiction(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, count=300, batch_size=100, provider="local")
    from avatar_data_generator.workers.task_processor import process_single_task

    assert process_single_task(app)
    with app.app_context():
        task = tasks.get_task(task_id)
    realism = task.quality["realism"]
    assert task.status == "completed"
    assert realism["personas"] == 300
    assert all(v["count"] == 0 for v in realism["violations"].values()), realism["violations"]
    assert realism["distinct_first_names"]["count"] > 50
    assert realism["bio_language"]["checked"] >= 1000
    assert realism["bio_language"]["share"] >= 0.95, realism["bio_language"]
    assert realism["hashtags_not_at_end"]["count"] == 0


def test_post_processing_twice_completes_once(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    task_id = submit(app, count=2, batch_size=2, provider="local")
    from avatar_data_generator.workers.task_processor import process_single_task

    assert process_single_task(app)
    with app.app_context():
        assert postprocess(db.engine, task_id) is None  # already completed: nothing to do
