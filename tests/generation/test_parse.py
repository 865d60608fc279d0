"""Reading answers: every wrapping parses back, truncated JSON is repaired, prose gives nothing."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from avatar_data_generator.generation.base import ProviderResponse
from avatar_data_generator.generation.parse import parse_items
from avatar_data_generator.generation.pipeline import (
    validate_batch,
)
from tests.generation.checks import FAST, assert_valid_personas, persona, request_for


@FAST
@given(st.lists(st.integers(0, 500), min_size=1, max_size=8, unique=True))
def test_every_wrapping_parses_back(ns: list[int]) -> None:
    items = [persona(n) for n in ns]
    body = json.dumps({"personas": items}, ensure_ascii=False)
    for payload in (
        {"personas": items},
        items,
        body,
        json.dumps(items),
        f"```json\n{body}\n```",
        f"Sure, here they are:\n```\n{body}\n```\nAnything else?",
        f"Here you go: {body} Enjoy!",
    ):
        parsed, repaired = parse_items(payload)
        assert parsed == items and repaired is False


@FAST
@given(st.lists(st.integers(0, 500), min_size=2, max_size=8, unique=True), st.floats(0.05, 0.99))
def test_truncated_json_is_repaired_without_raising(ns: list[int], keep: float) -> None:
    text = json.dumps({"personas": [persona(n) for n in ns]})
    cut = text[: int(len(text) * keep)]
    parsed, _ = parse_items(cut)
    assert isinstance(parsed, list)
    outcome = validate_batch(request_for(10), ProviderResponse(items=parsed, repaired=True))
    assert_valid_personas(outcome.personas)
    whole = {json.dumps(persona(n)) for n in ns}
    # Every persona that was complete before the cut survives intact.
    complete = [p for p in parsed if isinstance(p, dict) and json.dumps(p) in whole]
    assert len(complete) >= max(0, cut.count('"bios"') - 1)


def test_prose_without_json_gives_nothing() -> None:
    assert parse_items("I am sorry, I cannot do that.") == ([], False)
    assert parse_items("") == ([], False)
