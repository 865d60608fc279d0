"""The JSON API: the task routes (`routes.py`) and the bio-settings ones (`settings.py`), their
schemas (`request_schemas.py`, `response_schemas.py`), the supported countries (`countries.py`),
the one error shape (`errors.py`) and the OpenAPI document (`spec.py`).

Routes live on an `APIBlueprint` registered on the (plain Flask) app. Every error under
`/api`, whatever raised it, is `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from flask import Flask

from avatar_data_generator.api import countries, errors, spec
from avatar_data_generator.api import settings as settings  # its routes join `bp` on import
from avatar_data_generator.api.routes import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the API, its OpenAPI document and the JSON error path."""
    # APIFlask's request parser reads these from whichever app serves the request.
    app.config.setdefault("VALIDATION_ERROR_STATUS_CODE", 422)
    app.config.setdefault("VALIDATION_ERROR_DESCRIPTION", "Validation error")
    app.register_blueprint(bp)
    app.register_blueprint(countries.bp)
    app.add_url_rule(spec.SPEC_PATH, "api_openapi", spec.openapi_json, methods=["GET"])
    errors.register(app)
