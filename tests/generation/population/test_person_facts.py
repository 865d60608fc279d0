"""A person's facts as persona fields: the contract's names, JSON-ready values, no shared state."""

from __future__ import annotations

import json

from tests.generation.population.conftest import draw


def test_as_persona_gives_json_ready_fields_that_agree_with_the_facts() -> None:
    for facts in draw("DE", 30, seed=7):
        persona = facts.as_persona()
        assert json.loads(json.dumps(persona)) == persona  # dates as text, tuples as lists
        assert persona["date_of_birth"] == facts.date_of_birth.isoformat()
        assert persona["interests"] == list(facts.interests)
        assert (persona["country_code"], persona["country"]) == ("DE", "Germany")
        fields = ("first_name", "last_name", "age", "username", "gender", "occupation")
        assert tuple(persona[k] for k in fields) == tuple(getattr(facts, k) for k in fields)


def test_editing_a_persona_leaves_its_facts_alone() -> None:
    [facts] = draw("JP", 1, seed=3)
    persona = facts.as_persona()
    persona["interests"].append("sumo")
    persona["big_five"]["openness"] = -1
    assert "sumo" not in facts.interests
    assert facts.big_five["openness"] != -1
    assert facts.as_persona()["big_five"] == dict(facts.big_five)
