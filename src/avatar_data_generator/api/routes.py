"""The JSON API's task routes: create, list, show, results, cancel, retry (bio settings:
`api/settings.py`, on the same blueprint).

Requests are validated by APIFlask with the schemas of `api/request_schemas.py` (answers:
`api/response_schemas.py`), the same ones the OpenAPI document shows; errors are raised as
`ApiError` and answered by `api/errors.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint
from flask import Response, jsonify
from flask import stream_with_context as within_request
from flask_login import current_user

from avatar_data_generator import estimates, exports, tasks
from avatar_data_generator.api.errors import ApiError, input_error
from avatar_data_generator.api.request_schemas import (
    IdempotencyHeaders,
    ResultsQuery,
    TaskCreateIn,
    TaskListQuery,
)
from avatar_data_generator.api.response_schemas import (
    DryRunOut,
    TaskListOut,
    TaskOut,
)

bp = APIBlueprint("api", __name__, url_prefix="/api", tag="Tasks")

SECURITY: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"SessionCookie": []}]


def _actor() -> Any:
    """The user making this call (session or bearer)."""
    return current_user._get_current_object()


def _user_id() -> int | None:
    """The caller's user id (None without a login)."""
    return int(current_user.id) if current_user.is_authenticated else None


def _username() -> str | None:
    """The caller's username (None without a login)."""
    return str(current_user.username) if current_user.is_authenticated else None


def _load_task(task_id: str) -> Any:
    """The task, or a 404."""
    return _on_task(tasks.get_task, task_id)


def _on_task(action: Callable[[str], Any], task_id: str) -> Any:
    """Read, cancel or retry a task: 404 if there is none, 409 if its state forbids it."""
    try:
        return action(task_id)
    except tasks.TaskNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except tasks.TaskForbidden as exc:
        raise ApiError(403, str(exc)) from None
    except tasks.TaskStateError as exc:
        raise ApiError(409, str(exc)) from None


def _task_response(task: Any, status: int = 200) -> Response:
    """A task as JSON."""
    response = jsonify(tasks.task_to_dict(task))
    response.status_code = status
    return response


def _responses(value: dict[int, Any]) -> Any:
    """Extra documented responses (APIFlask's type hints do not cover mixed dicts)."""
    return value


TASK_ERRORS = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Only the task's owner and admins may do this",
    404: "No such task",
    422: "Invalid values",
}


@bp.post("/tasks")
@bp.input(TaskCreateIn, arg_name="body")
@bp.input(IdempotencyHeaders, location="headers", arg_name="headers")
@bp.output(TaskOut, status_code=201, description="The task was created")
@bp.doc(
    summary="Create a task, or estimate one",
    description="Queue a request for personas. Retrying with the same `Idempotency-Key` "
    'returns the first task (200) instead of creating another. With `"dry_run": true` the '
    "request is validated as a submit is (the same 422s) and answered 200 with an estimate "
    "of its calls, tokens and cost from the recent completed tasks of that provider and model; "
    "nothing is created and no provider is called.",
    responses=_responses(
        {
            200: {
                "description": "Replay of an earlier request with the same Idempotency-Key, "
                'or the estimate of a `"dry_run": true` request',
                "content": {"application/json": {"schema": {"oneOf": [TaskOut, DryRunOut]}}},
            },
            400: "Malformed JSON",
            401: TASK_ERRORS[401],
            413: "Request body too large",
            422: "Invalid values, or count above MAX_PERSONAS_PER_TASK",
        }
    ),
    security=SECURITY,
)
def create_task(body: dict[str, Any], headers: dict[str, Any]) -> Response:
    """Create a task, or (dry run) estimate it without creating anything."""
    request = {
        "count": body["count"],
        "batch_size": body.get("batch_size"),
        "provider": body.get("provider"),
        "locale": body.get("locale"),
        "seed": body.get("seed"),
        "bio_settings": body.get("bio_settings"),
        "facts": body.get("facts"),
    }
    try:
        if body.get("dry_run"):
            return jsonify(estimates.dry_run(**request))
        task, created = tasks.create_task(
            **request,
            user_id=_user_id(),
            created_by=_username(),
            idempotency_key=headers.get("idempotency_key"),
        )
    except tasks.TaskInputError as exc:
        raise input_error(exc) from None
    response = _task_response(task, 201 if created else 200)
    response.headers["Location"] = f"/api/tasks/{task.task_id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/tasks")
@bp.input(TaskListQuery, location="query", arg_name="query")
@bp.output(TaskListOut, description="A page of tasks, newest first")
@bp.doc(
    summary="List tasks",
    responses={401: TASK_ERRORS[401], 422: "Invalid filters"},
    security=SECURITY,
)
def list_tasks(query: dict[str, Any]) -> Response:
    """List tasks, newest first, filtered by status; paginate by limit/offset or page."""
    limit = int(query["limit"])
    if query.get("offset") is not None:
        offset = int(query["offset"])
    elif query.get("page") is not None:
        offset = (int(query["page"]) - 1) * limit
    else:
        offset = 0
    page, total = tasks.list_tasks(query.get("status"), limit=limit, offset=offset)
    return jsonify(
        {
            "tasks": [tasks.task_to_dict(task) for task in page],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


@bp.get("/tasks/<task_id>")
@bp.output(TaskOut, description="The task with provenance and quality report")
@bp.doc(
    summary="Show a task",
    responses={401: TASK_ERRORS[401], 404: TASK_ERRORS[404]},
    security=SECURITY,
)
def show_task(task_id: str) -> Response:
    """One task with its provenance and quality report."""
    return _task_response(_load_task(task_id))


@bp.get("/tasks/<task_id>/results")
@bp.input(ResultsQuery, location="query", arg_name="query")
@bp.doc(
    summary="Download a task's personas",
    description='Streamed with constant memory. `json` is `{"task": …, "personas": […]}`, '
    "`jsonl` one persona a line, `csv` one row a persona with a header row, `parquet` a "
    "Parquet file written in row groups of 10,000 with the provenance and the task (counts, "
    "tokens, cost) as JSON in its key-value metadata.",
    responses=_responses(
        {
            200: {
                "description": "The personas",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}},
                    exports.MEDIA_TYPES["parquet"]: {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            },
            401: TASK_ERRORS[401],
            404: TASK_ERRORS[404],
            422: "Unknown format",
            501: "Parquet asked for where pyarrow is not installed",
        }
    ),
    security=SECURITY,
)
def task_results(task_id: str, query: dict[str, Any]) -> Response:
    """Stream the personas as JSON, JSONL, CSV or Parquet."""
    task = _load_task(task_id)
    fmt = query["format"]
    try:
        chunks = exports.export_bytes(task, fmt)
    except exports.ParquetUnavailable as exc:
        raise ApiError(501, str(exc), code="not_implemented") from None
    media = exports.MEDIA_TYPES[fmt]
    if fmt not in exports.BINARY_FORMATS:
        media += "; charset=utf-8"
    response = Response(within_request(chunks), content_type=media)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="personas-{task.task_id}.{fmt}"'
    )
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.post("/tasks/<task_id>/cancel")
@bp.output(TaskOut, description="The task, now cancelled")
@bp.doc(
    summary="Cancel a task",
    description="Stop handing out the task's batches. For the task's owner and admins.",
    responses={
        401: TASK_ERRORS[401],
        403: TASK_ERRORS[403],
        404: TASK_ERRORS[404],
        409: "The task already finished",
    },
    security=SECURITY,
)
def cancel_task(task_id: str) -> Response:
    """Cancel an unfinished task."""
    actor = _actor()
    return _task_response(_on_task(lambda tid: tasks.cancel_task(tid, actor), task_id))


@bp.post("/tasks/<task_id>/retry")
@bp.output(TaskOut, description="The task, queued again for what it is missing")
@bp.doc(
    summary="Retry a task",
    description="Generate only what a failed or cancelled task is missing. For the task's "
    "owner and admins.",
    responses={
        401: TASK_ERRORS[401],
        403: TASK_ERRORS[403],
        404: TASK_ERRORS[404],
        409: "Only failed or cancelled tasks can be retried",
    },
    security=SECURITY,
)
def retry_task(task_id: str) -> Response:
    """Retry a failed or cancelled task."""
    actor = _actor()
    return _task_response(_on_task(lambda tid: tasks.retry_task(tid, actor), task_id))
