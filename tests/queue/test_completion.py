"""Completing tasks: many in one statement, each once, its report merged into its quality."""

from __future__ import annotations

from avatar_data_generator import queue
from avatar_data_generator.db import db
from tests.conftest import AppFactory
from tests.queue.helpers import claim, finish, persona, submit, task_row


def _stored_task(app: object, n: int, tag: str) -> str:
    task_id = submit(app, n, batch_size=n)  # type: ignore[arg-type]
    [batch] = claim(app, "a")  # type: ignore[arg-type]
    assert finish(app, batch, "a", [persona(i, tag) for i in range(n)]) is not None  # type: ignore[arg-type]
    return task_id


def test_several_tasks_complete_in_one_call_each_once(make_app: AppFactory, any_url: str) -> None:
    app = make_app(any_url)
    first, second = _stored_task(app, 2, "x"), _stored_task(app, 3, "y")
    waiting = submit(app, 4, batch_size=4)  # not data-generated yet: left alone
    with app.app_context(), db.engine.begin() as conn:
        inputs = queue.realism_inputs(conn, [first, second, waiting, "no-such-task"])
        personas = queue.personas_of(conn, [first, second])
    assert {t: i.stored for t, i in inputs.items()} == {first: 2, second: 3, waiting: 0}
    assert [p["first_name"] for p in personas[second]] == ["A0", "A1", "A2"]
    before = task_row(app, first).quality
    with app.app_context(), db.engine.begin() as conn:
        seconds = queue.complete_tasks(
            conn, {first: {"personas": 2}, second: None, waiting: {"personas": 0}}
        )
        again = queue.complete_tasks(conn, {first: {"personas": 99}})
    assert seconds[first] is not None and seconds[second] is not None and seconds[first] >= 0
    assert seconds[waiting] is None and again == {first: None}
    one, two, three = (task_row(app, t) for t in (first, second, waiting))
    assert (one.status, two.status, three.status) == ("completed", "completed", "pending")
    assert one.quality == before | {"realism": {"personas": 2}}  # merged, nothing lost
    assert "realism" not in two.quality and two.finished_at >= two.started_at
