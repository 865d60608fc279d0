"""The OpenAI-compatible provider against a real HTTP stand-in."""

from __future__ import annotations

import pytest

from avatar_data_generator import tasks
from avatar_data_generator.generation.base import BatchRequest, ProviderError
from avatar_data_generator.generation.bio_settings import default_bio_settings
from avatar_data_generator.generation.openai import OpenAIProvider
from avatar_data_generator.generation.pipeline import validate_batch
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.generation.checks import assert_valid_personas
from tests.standins.openai import OpenAIStandIn


def _provider(standin: OpenAIStandIn, key: str | None = "sk-test") -> OpenAIProvider:
    return OpenAIProvider(
        {"OPENAI_BASE_URL": standin.url, "OPENAI_MODEL": "m1", "OPENAI_API_KEY": key}
    )


def _request(count: int = 6) -> BatchRequest:
    settings = default_bio_settings() | {"platforms": {"x": 160, "linkedin": 220}}
    return BatchRequest("t", 0, count, "de", settings, seed=11)


def test_schema_and_prompt_are_sent(openai_standin: OpenAIStandIn) -> None:
    response = _provider(openai_standin).generate(_request())
    assert len(response.items) == 6 and response.model == "m1"
    assert response.tokens_in and response.tokens_out  # the usage the server reported
    assert response.tokens == response.tokens_in + response.tokens_out
    assert response.truncated is False
    body, headers = openai_standin.requests[0], openai_standin.headers[0]
    assert headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "m1" and body["stream"] is False and body["seed"] == 11
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["type"] == "object" and schema["required"] == ["personas"]
    item = schema["properties"]["personas"]["items"]
    assert set(item["required"]) >= {"first_name", "date_of_birth", "email", "bios"}
    assert item["properties"]["bios"]["required"] == ["x", "linkedin"]
    assert body["messages"][-1]["content"].startswith("Generate 6 personas")


def test_a_hostile_model_name_is_cleaned_and_cut(openai_standin: OpenAIStandIn) -> None:
    openai_standin.faults.append("hostile_model")
    response = _provider(openai_standin).generate(_request())
    model = response.model or ""
    assert model.startswith("evil") and model.endswith("xxx") and len(model) == 200
    assert "\x00" not in model and "\u202e" not in model


def test_length_is_a_partial_batch(openai_standin: OpenAIStandIn) -> None:
    openai_standin.faults.append("length")
    request = _request(10)
    response = _provider(openai_standin).generate(request)
    assert response.truncated is True and response.repaired is True
    outcome = validate_batch(request, response)
    assert 1 <= len(outcome.personas) < 10 and outcome.quality["truncated"] == 1
    assert_valid_personas(outcome.personas, {"x": 160, "linkedin": 220})


def test_refusal_fails_without_retry(openai_standin: OpenAIStandIn) -> None:
    openai_standin.faults.append("refusal")
    with pytest.raises(ProviderError) as caught:
        _provider(openai_standin).generate(_request())
    assert caught.value.retryable is False and "refused" in str(caught.value)


@pytest.mark.parametrize(
    ("fault", "retryable"), [("429", True), ("500-timeout", True), ("unauthorized", False)]
)
def test_errors_are_classified(openai_standin: OpenAIStandIn, fault: str, retryable: bool) -> None:
    openai_standin.faults.append(fault)
    with pytest.raises(ProviderError) as caught:
        _provider(openai_standin).generate(_request())
    assert caught.value.retryable is retryable
    if fault == "429":
        assert caught.value.retry_after == 1.0
    if fault == "unauthorized":
        assert "HTTP 401 Incorrect API key provided" in str(caught.value)


def test_fenced_content_is_accepted(openai_standin: OpenAIStandIn) -> None:
    openai_standin.faults.append("fenced")
    assert len(_provider(openai_standin, key=None).generate(_request(3)).items) == 3
    assert "Authorization" not in openai_standin.headers[0]


def test_task_records_tokens_and_provenance(
    make_app: AppFactory, pg_url: str, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.faults.extend(["length", "429"])
    app = make_app(
        pg_url,
        GENERATOR_PROVIDER="openai",
        OPENAI_BASE_URL=openai_standin.url,
        OPENAI_MODEL="m1",
        MULTITHREAD_FLOWISE=1,
        PROVIDER_PRICES={
            "openai:m1": {"input": 2.5, "output": 10},
            "openai": {"input": 9, "output": 9},
        },
    )
    with app.app_context():
        task, _ = tasks.create_task(count=20, batch_size=10)
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
        personas = list(tasks.iter_personas(task.task_id))
    assert done.status == "completed", done.error
    assert len(personas) == 20
    assert_valid_personas(personas)
    assert done.tokens_used and done.tokens_used >= 2 * 600
    # Every call counts, the 429 too; its tokens and cost are those of the calls that answered.
    assert (done.provider_calls, done.provider_errors) == (len(openai_standin.requests), 1)
    assert done.tokens_in is not None and done.tokens_out is not None
    assert done.tokens_in + done.tokens_out == done.tokens_used
    expected = (done.tokens_in * 2.5 + done.tokens_out * 10) / 1_000_000  # the model's price
    assert done.cost is not None and abs(done.cost - expected) < 1e-9
    assert done.provenance["provider"] == "openai" and done.provenance["model"] == "m1"
    assert done.provenance["prompt_version"]
    assert done.quality["truncated"] == 1
