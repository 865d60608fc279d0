"""The JSON API's bio-settings routes: read and save the team's default bio settings.

On the task routes' blueprint (`api/routes.py`), so that the paths, operation ids and tags of the
OpenAPI document stay as they are; `api/__init__.py` imports this module before registering it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_login import current_user

from avatar_data_generator import tasks
from avatar_data_generator.api.errors import ApiError, input_error
from avatar_data_generator.api.request_schemas import BioSettingsIn
from avatar_data_generator.api.response_schemas import BioSettingsOut
from avatar_data_generator.api.routes import SECURITY, TASK_ERRORS, bp


@bp.get("/bio-settings")
@bp.output(BioSettingsOut, description="The saved default bio settings")
@bp.doc(
    summary="Read the default bio settings",
    tags=["Settings"],
    responses={401: TASK_ERRORS[401]},
    security=SECURITY,
)
def get_bio_settings() -> Response:
    """The default bio settings new tasks use."""
    return jsonify(tasks.saved_bio_settings())


@bp.put("/bio-settings")
@bp.input(BioSettingsIn, arg_name="body")
@bp.output(BioSettingsOut, description="The saved settings")
@bp.doc(
    summary="Save the default bio settings",
    description="For admins; everyone may read them.",
    tags=["Settings"],
    responses={
        400: "Malformed JSON",
        401: TASK_ERRORS[401],
        403: "Only admins may change the team's defaults",
        422: "Invalid values",
    },
    security=SECURITY,
)
def put_bio_settings(body: dict[str, Any]) -> Response:
    """Validate (a 422 comes before a 403) and save the default bio settings."""
    try:
        settings = tasks.checked_bio_settings(body)
        if not current_user.is_admin:
            raise ApiError(403, "only admins can change the team's default bio settings")
        return jsonify(tasks.save_bio_settings(settings))
    except tasks.TaskInputError as exc:
        raise input_error(exc) from None
