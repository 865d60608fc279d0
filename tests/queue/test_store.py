"""Storing: rows keep their own personas; the quality merge in SQL equals the one in Python."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from avatar_data_generator import queue
from avatar_data_generator.db import db
from tests.conftest import AppFactory
from tests.queue.helpers import claim, persona, submit

counters = st.integers(0, 10_000)
breakdown = st.dictionaries(st.sampled_from(["too_long", "no_email", "female", "male"]), counters)
quality_report = st.fixed_dictionaries(
    {},
    optional={
        "asked": counters,
        "valid": counters,
        "duplicates_dropped": counters,
        "topup_calls": counters,
        "rejected": breakdown,
        "gender": breakdown,
        # Model names are cleaned of controls and surrogates (which jsonb cannot hold) first.
        "model": st.none()
        | st.text(
            st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\x00"), max_size=8
        ),
        "truncated_answer": st.booleans(),
    },
)


def test_the_sql_quality_merge_equals_the_python_one(make_app: AppFactory, pg_url: str) -> None:
    """PostgreSQL finishes a batch in one statement, so it merges the quality report in SQL;
    SQLite uses merge_quality. Both must give the same report."""
    app = make_app(pg_url)
    with app.app_context():
        engine = db.engine
    statement = text(
        "SELECT CAST("
        + queue.store.MERGE_QUALITY_POSTGRES.format(
            current="CAST(:current AS jsonb)", addition="CAST(:addition AS jsonb)"
        )
        + " AS text)"
    )

    @settings(max_examples=200, deadline=None)
    @given(current=quality_report, addition=quality_report, duplicates=st.integers(0, 5))
    def same_report(current: Any, addition: Any, duplicates: int) -> None:
        with engine.connect() as conn:
            merged = conn.execute(
                statement,
                {
                    "current": json.dumps(current),
                    "addition": json.dumps(queue.merge_quality(addition, {}, duplicates)),
                },
            ).scalar_one()
        assert json.loads(merged) == queue.merge_quality(current, addition, duplicates)

    same_report()


def test_each_stored_row_keeps_its_own_persona(make_app: AppFactory, any_url: str) -> None:
    """The keys and the personas travel as two parameters on PostgreSQL (zipped row by row):
    every stored row's columns, position and `data` belong to the same persona, across the
    batches of several tasks finished in one statement and a duplicate dropped in the middle."""
    app = make_app(any_url)
    first, second = (submit(app, 6, batch_size=6) for _ in range(2))
    claimed = {b.task_id: b for b in claim(app, "a", limit=2)}
    one = [persona(n, "x") for n in range(6)]
    two = [persona(n, "y") for n in range(3)]
    two += [two[1] | {"id": "dup"}, *(persona(n, "y") for n in range(3, 5))]
    results = [
        queue.BatchResult(claimed[first], one, duration=0.1, topup_budget=1),
        queue.BatchResult(claimed[second], two, duration=0.1, topup_budget=1),
    ]
    with app.app_context(), db.engine.begin() as conn:
        queue.finish_batches(conn, "a", results)
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT task_id, position, id, first_name, username, data FROM generation_results"
                " ORDER BY task_id, position"
            )
        ).all()
    by_place = {(r.task_id, r.position): r for r in rows}
    assert len(rows) == 11  # the duplicate is dropped, the rows after it keep their positions
    for task_id, sent in ((first, one), (second, two)):
        for position, row in enumerate(sent):
            got = by_place.get((task_id, position))
            if row["id"] == "dup":
                assert got is None
                continue
            assert got is not None
            stored = got.data if isinstance(got.data, dict) else json.loads(got.data)
            assert stored == row["data"]
            assert (got.id, got.first_name, got.username) == (
                row["id"],
                row["first_name"],
                row["username"],
            )
