"""The OpenAPI document: no login, the endpoints, and the numbers of the rules it shows."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from avatar_data_generator import accounts
from avatar_data_generator.generation import bio_settings
from avatar_data_generator.generation.providers import NAMES
from tests.api.conftest import error_of


def test_openapi_needs_no_login_and_lists_the_task_endpoints(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert {"post", "get"} <= set(paths["/api/tasks"])
    assert "get" in paths["/api/tasks/{task_id}"]
    assert "get" in paths["/api/tasks/{task_id}/results"]
    assert "post" in paths["/api/tasks/{task_id}/cancel"]
    assert "post" in paths["/api/tasks/{task_id}/retry"]
    assert {"get", "put"} <= set(paths["/api/bio-settings"])
    create_schema = paths["/api/tasks"]["post"]["requestBody"]["content"]["application/json"]
    assert create_schema["schema"]["$ref"].endswith("TaskCreateIn")
    count = spec["components"]["schemas"]["TaskCreateIn"]["properties"]["count"]
    assert count["minimum"] == 1 and count["maximum"] == 10000
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_the_limit_follows_the_config(make_app: Any, pg_url: str) -> None:
    app = make_app(pg_url, MAX_PERSONAS_PER_TASK=50)
    with app.app_context():
        accounts.create_user("bob", "password-bob")
        headers = {"Authorization": f"Bearer {accounts.create_token('bob')}"}
    client = app.test_client()
    response = client.post("/api/tasks", json={"count": 51}, headers=headers)
    assert response.status_code == 422 and "50" in error_of(response)["message"]
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["schemas"]["TaskCreateIn"]["properties"]["count"]["maximum"] == 50


def test_the_document_shows_the_bio_rules_numbers(client: FlaskClient) -> None:
    """The schema documents the rules with bio_settings' own constants; it decides nothing."""
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    bio = schemas["BioSettingsIn"]["properties"]
    limit = bio["platforms"]["additionalProperties"]
    assert (limit["minimum"], limit["maximum"]) == (bio_settings.MIN_BIO_LIMIT, 2200)
    assert bio["tone"]["maxLength"] == bio_settings.MAX_TONE == 40
    assert bio["language"]["maxLength"] == bio_settings.MAX_LANGUAGE
    assert (bio["age_min"]["minimum"], bio["age_max"]["maximum"]) == (13, 100)
    assert bio["countries"]["items"]["maxLength"] == bio_settings.MAX_COUNTRY_NAME == 80
    assert bio["countries"]["maxItems"] == bio_settings.MAX_COUNTRIES
    for gender in bio_settings.GENDERS:
        assert gender in bio["gender_mix"]["description"]
    for platform in bio_settings.PLATFORM_LIMITS:
        assert platform in bio["platforms"]["description"]
    providers = schemas["TaskCreateIn"]["properties"]["provider"]["enum"]
    assert providers[: len(NAMES)] == list(NAMES)


def test_the_document_shows_dry_runs_cost_and_parquet(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["TaskCreateIn"]["properties"]["dry_run"]["type"] == "boolean"
    created = spec["paths"]["/api/tasks"]["post"]["responses"]["200"]["content"]
    refs = [s["$ref"] for s in created["application/json"]["schema"]["oneOf"]]
    assert refs == ["#/components/schemas/TaskOut", "#/components/schemas/DryRunOut"]
    estimate = schemas["EstimateOut"]["properties"]
    assert {"calls", "tokens", "cost", "currency", "basis", "history_tasks"} <= set(estimate)
    assert {"cost", "currency", "tokens_in", "tokens_out"} <= set(schemas["TaskOut"]["properties"])
    results = spec["paths"]["/api/tasks/{task_id}/results"]["get"]
    formats = next(p for p in results["parameters"] if p["name"] == "format")["schema"]["enum"]
    assert formats == ["json", "jsonl", "csv", "parquet"]
    assert "application/vnd.apache.parquet" in results["responses"]["200"]["content"]
    assert "501" in results["responses"]
