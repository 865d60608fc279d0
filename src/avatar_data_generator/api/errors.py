"""The API's one error shape, `{"error": {"code", "message", "fields"?}}`, and its handlers.

Every handler turns what was raised into an `ApiError` and answers with `error_response`, so
there is one JSON error path and one place that maps a status to its code. Pages keep their
own error pages; only the database handler serves both.
"""

from __future__ import annotations

import logging
from typing import Any

from apiflask.exceptions import HTTPError as APIFlaskHTTPError
from flask import Flask, Response, g, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from avatar_data_generator.auth import ApiAuthError, is_api_path, login_manager
from avatar_data_generator.db import db
from avatar_data_generator.task_plans import TaskInputError
from avatar_data_generator.web.errors import unavailable_page

log = logging.getLogger(__name__)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
#: Errors that mean the database cannot serve right now (down, locked too long, disk full).
DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)
#: Seconds a client should wait before trying again when the database is unavailable.
DATABASE_RETRY_AFTER = 5
#: The challenge a 401 carries.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="avatar-data-generator"'}


class ApiError(Exception):
    """An error with a status, a code (by default the status's) and a message."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "error")
        self.message = message
        self.fields = fields
        self.headers = headers or {}


def input_error(exc: TaskInputError) -> ApiError:
    """A refused value: 422, the message naming the field, the reason under `fields`."""
    return ApiError(422, exc.message, fields={exc.field: [exc.reason]})


def error_response(error: ApiError) -> Response:
    """The one JSON error shape."""
    body: dict[str, Any] = {"error": {"code": error.code, "message": error.message}}
    if error.fields:
        body["error"]["fields"] = error.fields
    response = jsonify(body)
    response.status_code = error.status
    for key, value in error.headers.items():
        response.headers[key] = value
    return response


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    """Nested validation messages as `path: message` lines."""
    if isinstance(messages, dict):
        out: list[str] = []
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, name))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{prefix}: {' '.join(messages)}" if prefix else " ".join(messages)]
    if isinstance(messages, list):
        return [line for item in messages for line in _flatten(item, prefix)]
    return [f"{prefix}: {messages}" if prefix else str(messages)]


def _validation_fields(detail: Any) -> dict[str, Any]:
    """Webargs nests messages under the location (json, query, headers); drop that level."""
    if isinstance(detail, dict) and set(detail) <= {"json", "query", "headers", "path", "form"}:
        merged: dict[str, Any] = {}
        for part in detail.values():
            if isinstance(part, dict):
                merged |= part
            else:
                merged["_body"] = part
        return merged
    return {"_body": detail} if detail else {}


def _from_apiflask(error: APIFlaskHTTPError) -> ApiError:
    """A request the schemas refused (422), or another APIFlask abort."""
    fields = _validation_fields(error.detail) if error.detail else None
    message = "; ".join(_flatten(fields)) if fields else (error.message or "error")
    if error.status_code == 422 and fields and "_schema" in fields and len(fields) == 1:
        message = "; ".join(_flatten(fields["_schema"]))
    headers = {str(k): str(v) for k, v in dict(error.headers or {}).items()}
    return ApiError(error.status_code, message, fields=fields, headers=headers)


def _from_http_exception(error: HTTPException) -> ApiError:
    """A werkzeug HTTP error (404, 405, 413, a CSRF failure, a body that is not JSON)."""
    status = error.code or 500
    data = getattr(error, "data", None)
    if status == 400 and isinstance(data, dict) and "messages" in data:
        # webargs: a body that is not JSON at all.
        return ApiError(400, "malformed JSON body: " + "; ".join(_flatten(data["messages"])))
    message = str(error.description or error.name)
    if isinstance(error, CSRFError):
        return ApiError(400, f"CSRF check failed: {message}", code="csrf_failed")
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return ApiError(status, message, headers=headers)


def _handle_api_error(error: ApiError) -> Response:
    """An ApiError raised by a route."""
    return error_response(error)


def _handle_apiflask_error(error: APIFlaskHTTPError) -> Response:
    """Schema validation errors and APIFlask aborts."""
    return error_response(_from_apiflask(error))


def _handle_auth_error(error: ApiAuthError) -> Response:
    """Missing or invalid credentials."""
    return error_response(ApiError(401, error.message, headers=BEARER_CHALLENGE))


def _handle_http_exception(error: HTTPException) -> Any:
    """HTTP errors under /api as JSON; pages keep Flask's (and their blueprints') handling."""
    if not is_api_path():
        return error
    return error_response(_from_http_exception(error))


def _handle_exception(error: Exception) -> Any:
    """Anything else: a JSON 500 under /api, the cause only in the log."""
    if isinstance(error, HTTPException):
        return _handle_http_exception(error)
    if not is_api_path():
        raise error  # pages keep Flask's own handling (propagation in tests, a 500 page)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(ApiError(500, "internal server error"))


def _handle_database_error(error: Exception) -> Any:
    """503 with a code and Retry-After; the cause goes to the log, never to the client."""
    # The driver's first line only: the full text carries the statement and its parameters.
    reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0]
    log.error("database unavailable on %s %s: %s", request.method, request.path, reason[:300])
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is removed at teardown anyway
        log.debug("rollback after a database error failed", exc_info=True)
    # The user (if any) is unusable now; the error page and the headers must not reload it.
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if not is_api_path():
        return unavailable_page(headers)
    message = "the database is unavailable; try again in a few seconds"
    return error_response(ApiError(503, message, code="database_unavailable", headers=headers))


def register(app: Flask) -> None:
    """Answer every error under /api in the one shape (and a database outage everywhere)."""
    app.register_error_handler(APIFlaskHTTPError, _handle_apiflask_error)
    app.register_error_handler(ApiAuthError, _handle_auth_error)
    app.register_error_handler(ApiError, _handle_api_error)
    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, _handle_database_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_exception)
