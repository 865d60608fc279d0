"""Storing: the quality merge in SQL equals the one in Python."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from avatar_data_generator import queue
from avatar_data_generator.db import db
from tests.conftest import AppFactory

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
