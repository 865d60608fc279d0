"""Facts sampled, prose written: the model's answer is matched to the sampled people, every fact
stays the sampler's, what the model changed is counted, and a missing persona is topped up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from avatar_data_generator import tasks
from avatar_data_generator.generation.base import BatchRequest
from avatar_data_generator.generation.bio_settings import validate_bio_settings
from avatar_data_generator.generation.facts import sample_batch
from avatar_data_generator.generation.graphemes import grapheme_count
from avatar_data_generator.generation.grounding import FACT_FIELDS, merge
from avatar_data_generator.workers.runner import batch_seed
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.generation.checks import CHATFLOW_ID, assert_valid_personas
from tests.standins.flowise import FlowiseStandIn
from tests.standins.openai import OpenAIStandIn


def _people(count: int = 4) -> list[Any]:
    settings = validate_bio_settings({"countries": ["Germany"]})
    request = BatchRequest("t", 0, count, "de", settings, seed=5, as_of=date(2026, 12, 1))
    return sample_batch(request)


def test_answers_match_by_ref_then_by_position_and_our_facts_win() -> None:
    people = _people(4)
    answers = [
        {"ref": "p3", "bios": {"x": "three"}, "personality": "I am three."},
        {"bios": {"x": "loose"}, "personality": "I came without a ref.", "first_name": "Zed"},
        {"ref": "P1", "bios": {"x": "one"}, "first_name": people[0].first_name, "age": 99},
        {"ref": "p9", "bios": {"x": "nobody"}},  # no such persona
    ]
    merged = merge(people, answers)
    by_name = {p["first_name"]: p for p in merged.items}
    assert len(merged.items) == 3 and merged.unmatched == 1  # p4 missing: a shortfall
    assert by_name[people[2].first_name]["bios"] == {"x": "three"}
    assert by_name[people[1].first_name]["bios"] == {"x": "loose"}  # the first free position
    assert by_name[people[1].first_name]["personality"] == "I came without a ref."
    assert merged.overridden == 1  # "Zed": the one fact the model changed
    for persona, person in ((by_name[p.first_name], p) for p in people[:3]):
        assert persona["date_of_birth"] == person.date_of_birth.isoformat()
        assert persona["occupation"] == person.occupation and persona["city"] == person.city


def _stored_facts_equal_the_sampled(task: Any, personas: list[dict[str, Any]]) -> int:
    """Compare every stored persona of a non-top-up batch with the sampler's draw; the count."""
    settings = task.bio_settings
    by_batch: dict[int, list[dict[str, Any]]] = {}
    for p in personas:
        by_batch.setdefault(p["_batch"], []).append(p)
    checked = 0
    for index, stored in by_batch.items():
        size = min(task.batch_size, task.requested - index * task.batch_size)
        request = BatchRequest(
            task.task_id,
            index,
            size,
            task.locale,
            settings,
            seed=batch_seed(task.seed, index),
            as_of=task.created_at.date(),
            facts="sampled",
        )
        sampled = {(f.first_name, f.last_name): f for f in sample_batch(request)}
        for persona in stored:
            person = sampled[(persona["first_name"], persona["last_name"])]
            expected = person.as_persona()
            for field in (*FACT_FIELDS, "age", "big_five", "occupation_key"):
                assert persona[field] == expected[field], (field, persona[field])
            checked += 1
    return checked


def _run(app: Any, count: int) -> tuple[Any, list[dict[str, Any]]]:
    with app.app_context():
        task, _ = tasks.create_task(count=count, batch_size=10, seed=31, locale="de")
        assert task.facts == "sampled" and task.provenance["facts"] == "sampled"
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
        rows = list(tasks.iter_personas(task.task_id))
    return done, rows


@pytest.mark.parametrize("faults", [[], ["full", "missing-refs", "extra-personas", "full-no-refs"]])
def test_a_grounded_flowise_task_keeps_every_sampled_fact(
    make_app: AppFactory, pg_url: str, flowise: FlowiseStandIn, faults: list[str]
) -> None:
    flowise.faults.extend(faults)
    app = make_app(
        pg_url,
        GENERATOR_PROVIDER="flowise",
        FLOWISE_API_URL=flowise.url,
        FLOWISE_CHATFLOW_ID=CHATFLOW_ID,
        MULTITHREAD_FLOWISE=1,
    )
    done, personas = _run(app, 50)
    assert done.status == "completed" and done.generated == 50 and len(personas) == 50
    assert_valid_personas(personas, as_of=done.created_at.date())
    question = flowise.requests[0]["question"]
    assert question.startswith("Generate 10 personas") and "\np1: " in question
    for persona in personas:
        assert persona["bios"] and all("by the model" in b for b in persona["bios"].values())
        for platform, bio in persona["bios"].items():
            assert grapheme_count(bio) <= done.bio_settings["platforms"][platform]
    with app.app_context():
        from avatar_data_generator.db import db
        from avatar_data_generator.models import GenerationResult

        batches = {
            r.id: r.batch_index
            for r in db.session.query(GenerationResult.id, GenerationResult.batch_index).filter(
                GenerationResult.task_id == done.task_id
            )
        }
    first_batches = [dict(p, _batch=batches[p["id"]]) for p in personas if batches[p["id"]] < 5]
    assert _stored_facts_equal_the_sampled(done, first_batches) == len(first_batches)
    if faults:
        assert done.quality["facts_overridden"] >= 10  # "Changed0" … in the full answers
        assert done.quality["answers_unmatched"] >= 2
        assert done.quality["topup_calls"] >= 1  # the persona left out was made up for
    else:
        assert done.quality["facts_overridden"] == 0


def test_a_grounded_openai_task_asks_for_prose_only(
    make_app: AppFactory, pg_url: str, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.faults.extend(["full"])
    app = make_app(
        pg_url,
        GENERATOR_PROVIDER="openai",
        OPENAI_BASE_URL=openai_standin.url,
        OPENAI_MODEL="m1",
        MULTITHREAD_FLOWISE=1,
    )
    done, personas = _run(app, 50)
    assert done.status == "completed" and len(personas) == 50
    schema = openai_standin.requests[1]["response_format"]["json_schema"]["schema"]
    item = schema["properties"]["personas"]["items"]
    assert item["required"] == ["ref", "bios", "personality"]
    assert done.quality["facts_overridden"] >= 10
    assert all(not p["first_name"].startswith("Changed") for p in personas)
