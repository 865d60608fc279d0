"""Estimates before a run: the fit, the dry run (nothing created, no provider called, the same
422s as a submit), "no history yet", and an estimate within 20% of the real cost once two tasks
of the same provider and model ran through an OpenAI-compatible stand-in that reports usage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from avatar_data_generator import accounts, tasks
from avatar_data_generator.estimates import Rate, fit_rate, money
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory
from tests.standins.openai import OpenAIStandIn

PRICES = {"openai:m1": {"input": 2.5, "output": 10}, "openai": {"input": 99, "output": 99}}


@pytest.fixture
def standin() -> Iterator[OpenAIStandIn]:
    server = OpenAIStandIn().start()
    try:
        yield server
    finally:
        server.stop()


def openai_app(make_app: AppFactory, url: str, standin: OpenAIStandIn, **extra: Any) -> Flask:
    settings: dict[str, Any] = {
        "GENERATOR_PROVIDER": "openai",
        "OPENAI_BASE_URL": standin.url,
        "OPENAI_MODEL": "m1",
        "MULTITHREAD_FLOWISE": 2,
        "PROVIDER_PRICES": json.dumps(PRICES),
    }
    return make_app(url, **(settings | extra))


def bearer(app: Flask) -> dict[str, str]:
    with app.app_context():
        accounts.create_user("est", "est-password-1")
        return {"Authorization": f"Bearer {accounts.create_token('est')}"}


def run_task(app: Flask, count: int, batch_size: int) -> Any:
    """Create a task and run it to its end in this process."""
    with app.app_context():
        task, _ = tasks.create_task(count=count, batch_size=batch_size)
        assert process_single_task(app)
        done = tasks.get_task(task.task_id)
    assert done.status == "completed", done.error
    return done


def task_count(app: Flask) -> int:
    with app.app_context():
        return tasks.list_tasks()[1]


def dry_run(client: FlaskClient, auth: dict[str, str], **body: Any) -> Any:
    return client.post("/api/tasks", json={"dry_run": True, **body}, headers=auth)


# ------------------------------------------------------------------ the arithmetic


def test_the_fit_finds_a_part_per_call_and_a_part_per_persona() -> None:
    # tokens = 100 a call + 50 a persona, from tasks of different shapes
    points = [(2.0, 20.0, 1200.0), (4.0, 35.0, 2150.0), (10.0, 50.0, 3500.0)]
    rate = fit_rate(points)
    assert rate.per_call == pytest.approx(100) and rate.per_persona == pytest.approx(50)
    assert rate.of(5, 47) == 2850


def test_one_task_or_tasks_of_one_shape_give_tokens_per_persona() -> None:
    assert fit_rate([(2.0, 20.0, 1000.0)]) == Rate(0.0, 50.0)
    same_shape = fit_rate([(2.0, 20.0, 1000.0), (4.0, 40.0, 2200.0)])
    assert same_shape.per_call == 0 and same_shape.per_persona == pytest.approx(3200 / 60)
    # A fit that would need a negative part falls back too.
    negative = fit_rate([(1.0, 10.0, 1000.0), (10.0, 20.0, 1100.0)])
    assert negative.per_call == 0 and negative.per_persona == pytest.approx(2100 / 30)
    assert fit_rate([]) == Rate(0.0, 0.0)


def test_money_reads_well() -> None:
    assert money(0.04) == "$0.04" and money(0.0012) == "$0.0012" and money(0) == "$0.00"
    assert money(1234.5, "EUR") == "1,234.50 EUR"


# ------------------------------------------------------------------ the dry run


def test_a_dry_run_creates_nothing_calls_no_provider_and_says_no_history_yet(
    make_app: AppFactory, pg_url: str, standin: OpenAIStandIn
) -> None:
    app = openai_app(make_app, pg_url, standin)
    client, auth = app.test_client(), bearer(app)
    response = dry_run(client, auth, count=47, batch_size=10)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dry_run"] is True
    estimate = body["estimate"]
    assert estimate["calls"] == estimate["planned_calls"] == 5
    assert estimate["tokens"] == {"in": None, "out": None} and estimate["cost"] is None
    assert estimate["basis"].startswith("no history yet")
    assert estimate["history_tasks"] == 0 and estimate["currency"] == "USD"
    assert body["task"]["requested"] == 47 and body["task"]["batches_total"] == 5
    assert body["task"]["provider"] == "openai" and body["task"]["model"] == "m1"
    assert task_count(app) == 0 and standin.requests == []
    # An Idempotency-Key does not make a dry run create (or replay) anything either.
    again = client.post(
        "/api/tasks",
        json={"dry_run": True, "count": 5},
        headers={**auth, "Idempotency-Key": "k1"},
    )
    assert again.status_code == 200 and again.get_json()["dry_run"] is True
    assert task_count(app) == 0
    real = client.post("/api/tasks", json={"count": 5}, headers={**auth, "Idempotency-Key": "k1"})
    assert real.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"count": 0},
        {"count": 100_000},
        {"count": 5, "batch_size": 0},
        {"count": 5, "locale": "xx-nowhere"},
        {"count": 5, "bio_settings": {"age_min": 70, "age_max": 20}},
        {"count": 5, "bio_settings": {"countries": ["Atlantis"]}},
        {"count": 5, "provider": "flowise"},  # not configured here
        {"count": 5, "facts": "dreamt"},
        {"count": "5"},
    ],
)
def test_a_dry_run_refuses_what_a_submit_refuses_with_the_same_error(
    make_app: AppFactory, pg_url: str, body: dict[str, Any]
) -> None:
    app = make_app(pg_url, MAX_PERSONAS_PER_TASK=1000)
    client, auth = app.test_client(), bearer(app)
    submitted = client.post("/api/tasks", json=body, headers=auth)
    estimated = dry_run(client, auth, **body)
    assert submitted.status_code == 422
    assert (estimated.status_code, estimated.get_json()) == (422, submitted.get_json())
    assert task_count(app) == 0


def test_the_local_provider_costs_nothing(make_app: AppFactory, pg_url: str) -> None:
    app = make_app(pg_url)
    client, auth = app.test_client(), bearer(app)
    estimate = dry_run(client, auth, count=25, batch_size=10, provider="local").get_json()
    assert estimate["estimate"]["calls"] == 3
    assert estimate["estimate"]["cost"] == 0 and estimate["estimate"]["tokens"] == {
        "in": 0,
        "out": 0,
    }
    assert "local provider" in estimate["estimate"]["basis"]
    assert task_count(app) == 0


# ------------------------------------------------------------------ estimate vs actual


def test_the_estimate_is_within_20_percent_of_the_real_cost_once_history_exists(
    make_app: AppFactory, pg_url: str, standin: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    app = openai_app(make_app, pg_url, standin)
    client, auth = app.test_client(), bearer(app)
    history = [run_task(app, 20, 10), run_task(app, 35, 10)]
    assert all(t.cost and t.tokens_in and t.tokens_out for t in history)
    errors = []
    for count, batch_size in ((47, 10), (60, 5)):  # another size, then another batch size too
        calls_before = len(standin.requests)
        response = dry_run(client, auth, count=count, batch_size=batch_size)
        assert response.status_code == 200
        estimate = response.get_json()["estimate"]
        assert len(standin.requests) == calls_before  # the estimate called nobody
        assert (
            estimate["history_tasks"] >= 2 and "most recent completed openai" in estimate["basis"]
        )
        assert estimate["currency"] == "USD" and "openai:m1" in estimate["basis"]
        actual = run_task(app, count, batch_size)
        error = abs(estimate["cost"] - actual.cost) / actual.cost
        tokens_error = abs(
            estimate["tokens"]["in"] + estimate["tokens"]["out"] - actual.tokens_used
        ) / (actual.tokens_used)
        assert estimate["calls"] == actual.provider_calls
        errors.append(error)
        with capsys.disabled():
            print(
                f"\nestimate of {count} personas ({batch_size} a batch): cost"
                f" {estimate['cost']:.6f} vs actual {actual.cost:.6f} ({error:.1%} off),"
                f" tokens {tokens_error:.1%} off, calls {estimate['calls']} vs"
                f" {actual.provider_calls}"
            )
        assert error <= 0.20 and tokens_error <= 0.20
    assert max(errors) < 0.2


def test_retries_in_the_history_raise_the_estimated_calls(
    make_app: AppFactory, pg_url: str, standin: OpenAIStandIn
) -> None:
    app = openai_app(make_app, pg_url, standin, MULTITHREAD_FLOWISE=1)
    standin.faults.extend(["500-timeout", "500-timeout"])  # two failed calls in 4 planned
    done = run_task(app, 40, 10)
    assert (done.provider_calls, done.provider_errors) == (6, 2)
    client, auth = app.test_client(), bearer(app)
    estimate = dry_run(client, auth, count=40, batch_size=10).get_json()["estimate"]
    assert estimate["planned_calls"] == 4 and estimate["calls"] == 6
    # The failed calls reported no tokens: the same request again costs what the first did.
    assert estimate["tokens"] == {"in": done.tokens_in, "out": done.tokens_out}
    assert estimate["cost"] == pytest.approx(done.cost, rel=1e-6)
    assert "1.50 calls per planned call" in estimate["basis"]


# ------------------------------------------------------------------ the page and the CLI


def test_the_generate_page_estimates_without_creating_a_task(
    make_app: AppFactory, pg_url: str, standin: OpenAIStandIn
) -> None:
    from tests.web.helpers import FORM, logged_in

    app = openai_app(make_app, pg_url, standin)
    run_task(app, 20, 10)
    run_task(app, 30, 10)
    auth = bearer(app)
    client = logged_in(app)

    def expected(count: int, batch_size: int) -> str:
        answer = dry_run(app.test_client(), auth, count=count, batch_size=batch_size)
        estimate = answer.get_json()["estimate"]
        tokens = estimate["tokens"]["in"] + estimate["tokens"]["out"]
        return (
            f"≈ {estimate['calls']} provider calls",
            f"≈ {tokens:,} tokens, ≈ {money(estimate['cost'])}",
        )

    html = client.get("/generate").get_data(as_text=True)  # 100 personas, 10 a batch
    calls, cost = expected(100, 10)
    assert calls in html and f'id="estimate-cost">, {cost}</span>' in html
    assert "most recent completed openai tasks of model m1" in html
    form = {**FORM, "provider": "openai", "count": "47", "batch_size": "10", "action": "estimate"}
    before = len(standin.requests)
    response = client.post("/generate", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    calls, cost = expected(47, 10)
    assert calls == "≈ 5 provider calls" and calls in page and cost in page
    assert "For 47 personas with openai (m1)" in page
    assert task_count(app) == 2 and len(standin.requests) == before
    bad = client.post("/generate", data={**form, "count": "0"}).get_data(as_text=True)
    assert 'id="err-count"' in bad and 'id="estimate-cost"' not in bad
    assert task_count(app) == 2


def test_submit_dry_run_on_the_command_line(sqlite_url: str, tmp_path: Path) -> None:
    from tests.conftest import cli_env, run_cli

    env = cli_env(sqlite_url, INSTANCE_PATH=str(tmp_path / "instance"))
    result = run_cli(["submit", "--count", "25", "--dry-run", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["dry_run"] is True and answer["estimate"]["calls"] == 3
    text = run_cli(["submit", "--count", "25", "--dry-run"], env, tmp_path)
    assert "dry run: 25 personas with local in 3 batches" in text.stdout
    assert "basis:" in text.stdout
    refused = run_cli(["submit", "--count", "0", "--dry-run"], env, tmp_path)
    assert refused.returncode != 0 and "count must be at least 1" in refused.stderr
    status = run_cli(["stats", "--json"], env, tmp_path)
    assert json.loads(status.stdout)["queue_depth"] == 0


def test_flowise_is_estimated_by_its_chatflow_and_without_a_price_has_no_cost(
    make_app: AppFactory, pg_url: str, flowise: Any
) -> None:
    from tests.faults.helpers import CHATFLOW, flowise_config

    app = make_app(pg_url, MULTITHREAD_FLOWISE=2, **flowise_config(flowise.url))
    client, auth = app.test_client(), bearer(app)
    first = dry_run(client, auth, count=12, batch_size=4).get_json()
    assert first["task"]["model"] == CHATFLOW
    assert first["estimate"]["basis"].startswith("no history yet")
    run_task(app, 12, 4)
    estimate = dry_run(client, auth, count=12, batch_size=4).get_json()["estimate"]
    assert estimate["history_tasks"] == 1 and estimate["calls"] >= 3
    assert estimate["tokens"]["in"] > 0 and estimate["tokens"]["out"] > 0  # estimated by Flowise
    assert (
        estimate["cost"] is None and "no price for flowise in PROVIDER_PRICES" in estimate["basis"]
    )
    priced = make_app(
        pg_url,
        **flowise_config(flowise.url),
        PROVIDER_PRICES={"flowise": {"input": 1, "output": 2, "currency": "EUR"}},
    )
    answer = dry_run(priced.test_client(), auth, count=12, batch_size=4).get_json()["estimate"]
    tokens = answer["tokens"]
    assert answer["cost"] == pytest.approx((tokens["in"] * 1 + tokens["out"] * 2) / 1e6)
    assert answer["currency"] == "EUR"
