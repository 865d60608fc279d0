"""Post-processing: every task ends with a realism report on its stored personas, whatever
wrote them; a model's contradictions are caught and named, with examples."""

from __future__ import annotations

import json
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


def test_small_tasks_reported_together_match_each_alone(
    make_app: AppFactory, any_url: str, monkeypatch: Any
) -> None:
    from avatar_data_generator.workers import postprocess as post

    app = make_app(any_url)
    ids = [submit(app, count=n, batch_size=n, provider="local") for n in (1, 7, 30, 12)]
    from avatar_data_generator.workers.task_processor import process_single_task

    reads: list[Any] = []
    personas_of = post.queue.personas_of
    monkeypatch.setattr(
        post.queue, "personas_of", lambda c, ids: reads.append(ids) or personas_of(c, ids)
    )
    while process_single_task(app):
        pass
    assert reads == []  # each task stored whole by one batch: its rows measured, not read back
    monkeypatch.setattr(post, "CHUNK", 20)  # 1 + 7 + 12 read together, 30 in chunks
    with app.app_context():
        together = post.reports_of(db.engine, ids)
        assert reads == [[ids[0], ids[1], ids[3]]]  # one read for the small three
        alone = {t: post.realism_of(db.engine, t) for t in ids}
        stored = {t: tasks.get_task(t).quality["realism"] for t in ids}
        assert post.postprocess_many(db.engine, ids) == dict.fromkeys(ids)  # done already
    assert together == alone
    assert [together[t]["personas"] for t in ids] == [1, 7, 30, 12]
    # What the worker's post-processor wrote from the rows it held is the same report.
    assert json.loads(json.dumps(alone)) == stored


def test_the_post_processor_groups_tasks_and_drains_on_close(
    make_app: AppFactory, any_url: str, monkeypatch: Any
) -> None:
    import threading

    from avatar_data_generator.workers import postprocess as post

    app = make_app(any_url)
    groups: list[list[str]] = []
    real = post.postprocess_many
    gate = threading.Event()

    def recording(engine: Any, ids: Any, known: Any = None) -> Any:
        gate.wait(5)  # the first group waits, so the rest gather behind it
        groups.append(list(ids))
        return real(engine, ids, known)

    monkeypatch.setattr(post, "postprocess_many", recording)
    done: list[tuple[str, float | None]] = []
    with app.app_context():
        processor = post.PostProcessor(db.engine, lambda t, s, ctx: done.append((t, s)))
        ids = [submit(app, count=1, batch_size=1, provider="local") for _ in range(6)]
        for task_id in ids:
            processor.submit(task_id, {})
        assert processor.pending() == 6
        gate.set()
        assert processor.wait_idle(10)
        processor.close()
        processor.submit("late", {})  # after close: at once, on this thread
    assert sorted(t for g in groups for t in g) == sorted([*ids, "late"])
    assert len(groups) < 7  # some tasks shared a statement
    assert [t for t, _ in done[:6]] == ids and done[-1] == ("late", None)
    assert processor.pending() == 0
