"""The Flowise provider against a real HTTP stand-in: request shape, answers, faults, end to end."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from avatar_data_generator import tasks
from avatar_data_generator.generation.base import BatchRequest, ProviderError
from avatar_data_generator.generation.bio_settings import default_bio_settings
from avatar_data_generator.generation.flowise import FlowiseProvider
from avatar_data_generator.generation.pipeline import validate_batch
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.generation.checks import CHATFLOW_ID, assert_valid_personas
from tests.standins.flowise import FlowiseStandIn


def _settings(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "FLOWISE_API_URL": url,
        "FLOWISE_CHATFLOW_ID": CHATFLOW_ID,
        "FLOWISE_API_KEY": "k",
        "FLOWISE_TIMEOUT": 5,
        **extra,
    }


def _request(count: int = 10, seed: int | None = 3) -> BatchRequest:
    return BatchRequest("t", 0, count, "en", default_bio_settings(), seed=seed)


def test_request_carries_the_contract(flowise: FlowiseStandIn) -> None:
    provider = FlowiseProvider(_settings(flowise.url))
    for _ in range(2):
        response = provider.generate(_request(7))
        assert len(response.items) == 7
    first, second = flowise.requests
    assert first["chatId"] != second["chatId"]
    for body, headers in zip(flowise.requests, flowise.headers, strict=True):
        assert headers["Authorization"] == "Bearer k"
        assert body["streaming"] is False
        assert body["question"].startswith("Generate 7 personas")
        for words in ("tone friendly", "x at most 160 characters", "first_name", "personas"):
            assert words in body["question"]
        vars_ = body["overrideConfig"]["vars"]
        assert vars_["count"] == 7 and vars_["locale"] == "en"
        assert json.loads(vars_["bio_settings"]) == default_bio_settings()


def test_no_key_sends_no_authorization(flowise: FlowiseStandIn) -> None:
    FlowiseProvider(_settings(flowise.url, FLOWISE_API_KEY=None)).generate(_request(2))
    assert "Authorization" not in flowise.headers[0]


@pytest.mark.parametrize("fault", ["fenced", "prose", "bare-list", "truncated"])
def test_answer_shapes_are_accepted(flowise: FlowiseStandIn, fault: str) -> None:
    flowise.faults.append(fault)
    request = _request(10)
    response = FlowiseProvider(_settings(flowise.url)).generate(request)
    outcome = validate_batch(request, response)
    assert response.repaired is (fault == "truncated")
    assert 5 <= len(outcome.personas) <= 10
    if fault != "truncated":
        assert len(outcome.personas) == 10
    assert_valid_personas(outcome.personas)


@pytest.mark.parametrize(
    ("fault", "retryable", "words"),
    [
        ("429", True, "HTTP 429"),
        ("502", True, "HTTP 502 Bad Gateway"),
        ("503", True, "HTTP 503"),
        ("504-html", True, "504 Gateway Time-out"),
        ("500-timeout", True, "timed out"),
        ("empty", True, "without any personas"),
        ("unauthorized", False, "refused the request: HTTP 500 Error: predictionsServices"),
        ("404", False, "not found in the database"),
        ("400", False, "Invalid Chatflow ID"),
    ],
)
def test_errors_are_classified(
    flowise: FlowiseStandIn, fault: str, retryable: bool, words: str
) -> None:
    flowise.faults.append(fault)
    with pytest.raises(ProviderError) as caught:
        FlowiseProvider(_settings(flowise.url)).generate(_request(3))
    assert caught.value.retryable is retryable
    assert words in str(caught.value)
    if fault == "429":
        assert caught.value.retry_after == 1.0
    if fault == "unauthorized":
        assert "Unauthorized" in str(caught.value)


def test_unreachable_and_timeout_are_retryable(flowise: FlowiseStandIn) -> None:
    with pytest.raises(ProviderError) as caught:
        FlowiseProvider(_settings("http://127.0.0.1:9")).generate(_request(1))
    assert caught.value.retryable and "unreachable" in str(caught.value)
    flowise.faults.append("hang")
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        FlowiseProvider(_settings(flowise.url, FLOWISE_TIMEOUT=0.3)).generate(_request(1))
    assert caught.value.retryable and "timed out" in str(caught.value)
    assert time.monotonic() - started < 3


FAULTS = [
    "fenced",
    "bare-list",
    "short",
    "duplicates",
    "long-bios",
    "truncated",
    "429",
    "502",
    "500-timeout",
]


def test_fifty_personas_through_every_fault(
    make_app: AppFactory, pg_url: str, flowise: FlowiseStandIn
) -> None:
    flowise.faults.extend(FAULTS)
    app = make_app(
        pg_url,
        GENERATOR_PROVIDER="flowise",
        FLOWISE_API_URL=flowise.url,
        FLOWISE_CHATFLOW_ID=CHATFLOW_ID,
        FLOWISE_API_KEY="k",
        PERSONAS_PER_BATCH=10,
        RETRY_BASE_SECONDS=0.05,
        # One call at a time, so each fault lands on a known call and its effect is counted.
        MULTITHREAD_FLOWISE=1,
    )
    with app.app_context():
        # The model invents the facts here: every way a model breaks them is played.
        task, _ = tasks.create_task(count=50, facts="model")
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
        assert done.status == "completed", done.error
        personas = list(tasks.iter_personas(task.task_id))
        quality = done.quality
    assert done.generated == 50 and len(personas) == 50
    assert_valid_personas(personas)
    assert not flowise.faults, "every fault was played"
    assert quality["repaired"] >= 1 and quality["bios_trimmed"] >= 1
    assert quality["duplicates_dropped"] >= 9
    assert sum(quality["gender"].values()) == 50
    assert quality["emails_rewritten"] >= 50
    chat_ids = [body["chatId"] for body in flowise.requests]
    assert len(chat_ids) == len(set(chat_ids))
    for body, headers in zip(flowise.requests, flowise.headers, strict=True):
        assert headers["Authorization"] == "Bearer k"
        assert body["streaming"] is False
        count = body["overrideConfig"]["vars"]["count"]
        assert body["question"].startswith(f"Generate {count} personas")


def test_fifty_personas_with_parallel_calls(
    make_app: AppFactory, pg_url: str, flowise: FlowiseStandIn
) -> None:
    flowise.faults.extend(FAULTS)
    app = make_app(
        pg_url,
        GENERATOR_PROVIDER="flowise",
        FLOWISE_API_URL=flowise.url,
        FLOWISE_CHATFLOW_ID=CHATFLOW_ID,
        FLOWISE_API_KEY="k",
        PERSONAS_PER_BATCH=10,
        RETRY_BASE_SECONDS=0.05,
        MULTITHREAD_FLOWISE=5,
    )
    with app.app_context():
        task, _ = tasks.create_task(count=50)
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
        assert done.status == "completed", done.error
        personas = list(tasks.iter_personas(task.task_id))
    assert done.generated == 50 and len(personas) == 50
    assert_valid_personas(personas)


def test_wrong_key_fails_fast_naming_unauthorized(make_app: AppFactory, pg_url: str) -> None:
    standin = FlowiseStandIn(api_key="the-right-key").start()
    try:
        app = make_app(
            pg_url,
            GENERATOR_PROVIDER="flowise",
            FLOWISE_API_URL=standin.url,
            FLOWISE_CHATFLOW_ID=CHATFLOW_ID,
            FLOWISE_API_KEY="wrong",
        )
        with app.app_context():
            task, _ = tasks.create_task(count=30)
            started = time.monotonic()
            assert process_single_task(app)
            done = tasks.get_task(task.task_id)
        assert time.monotonic() - started < 20
        assert done.status == "failed"
        assert done.error and "Unauthorized" in done.error
        assert standin.calls <= 3, "a bad key is not retried"
    finally:
        standin.stop()
