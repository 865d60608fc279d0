"""The OpenAPI document, generated from the routes and schemas that validate the requests.

The app is a plain Flask app; a small `APIFlask` that holds the same blueprint generates the
document, so `/api/openapi.json` shows exactly the schemas the requests are checked with.
"""

from __future__ import annotations

import copy
import warnings
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from apiflask import APIFlask
from flask import Flask, Response, current_app, jsonify

from avatar_data_generator.api import countries
from avatar_data_generator.api.response_schemas import ERROR_SCHEMA
from avatar_data_generator.api.routes import bp

SPEC_PATH = "/api/openapi.json"
#: Where the built document is kept, per app (its numbers follow the app's settings).
EXTENSION = "adg_openapi"
DESCRIPTION = (
    "Generate synthetic personas in bulk. Authenticate with "
    "`Authorization: Bearer <token>` (`avatar-data-generator create-token USERNAME`, or the "
    "Account page) or a logged-in session plus an `X-CSRFToken` header on writes. Everyone "
    "sees every task; cancel and retry are for the task's owner and admins, saving the "
    "default bio settings for admins. Every error is "
    '`{"error": {"code", "message"}}`; 503 `database_unavailable` comes with Retry-After.'
)
DEFAULT_RESPONSE = {
    "description": "Any other error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _version() -> str:
    """The installed package's version."""
    try:
        return version("avatar-data-generator")
    except PackageNotFoundError:  # pragma: no cover - not installed
        return "0"


def _spec_app(app: Flask) -> APIFlask:
    """An APIFlask holding the same blueprint, used only to generate the document."""
    spec_app = APIFlask(
        "avatar_data_generator",
        title="Avatar Data Generator API",
        version=_version(),
        spec_path=None,
        docs_path=None,
    )
    spec_app.config.from_mapping(
        OPENAPI_VERSION="3.0.3",
        AUTO_SERVERS=False,
        AUTO_OPERATION_ID=True,
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
        VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA,
        DESCRIPTION=DESCRIPTION,
        SECURITY_SCHEMES={
            "BearerAuth": {"type": "http", "scheme": "bearer"},
            "SessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": app.config.get("SESSION_COOKIE_NAME") or "session",
            },
        },
    )
    spec_app.register_blueprint(bp)
    spec_app.register_blueprint(countries.bp)
    return spec_app


def _generated(app: Flask) -> dict[str, Any]:
    """APIFlask's document for this app (the one call of its private `_get_spec`)."""
    spec_app = _spec_app(app)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # apispec: a nested schema seen twice
        spec = copy.deepcopy(spec_app._get_spec("json", force_update=True))
    assert isinstance(spec, dict)
    return spec


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for this app's settings (count's maximum follows the config)."""
    spec = _generated(app)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    max_count = int(app.config["MAX_PERSONAS_PER_TASK"])
    for name, schema in schemas.items():
        if name.startswith("TaskCreateIn"):
            schema["properties"]["count"]["maximum"] = max_count
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("default", copy.deepcopy(DEFAULT_RESPONSE))
    return spec


def openapi_json() -> Response:
    """The OpenAPI 3 document (no login), built once per app."""
    spec = current_app.extensions.get(EXTENSION)
    if spec is None:
        spec = current_app.extensions[EXTENSION] = build_spec(current_app)
    return jsonify(spec)
