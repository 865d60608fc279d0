"""The task pages: the Generate form, the task list, one task with its personas, cancel, retry."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from avatar_data_generator import estimates, prices, tasks
from avatar_data_generator.db import db
from avatar_data_generator.estimates import Estimate
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.generation.providers import PROVIDERS
from avatar_data_generator.models import GenerationTask, TaskStatus
from avatar_data_generator.queue import task_rows
from avatar_data_generator.web import errors, filters, forms

bp = Blueprint("tasks", __name__)
errors.register(bp)

TASKS_PER_PAGE = 20
PERSONAS_PER_PAGE = 24
STATUS_FILTERS = [s.value for s in TaskStatus]
#: The fields of the Generate form that are not bio settings.
TASK_FIELDS = ("count", "batch_size", "provider", "locale", "seed")


def _int_arg(name: str, default: int, low: int = 1, high: int = 10**6) -> int:
    """A whole-number query argument, clamped to [low, high]; `default` if it is not one."""
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def _task_or_404(task_id: str) -> GenerationTask:
    """The task, or a 404 page."""
    try:
        return tasks.get_task(task_id)
    except tasks.TaskNotFound:
        abort(404)


def _provider_labels() -> list[tuple[str, str]]:
    """Providers for the select, saying which are not set up on this server."""
    return [
        (info.name, info.label + (" — not configured" if info.missing(current_app.config) else ""))
        for info in PROVIDERS.values()
    ]


def speed_estimate() -> dict[str, Any]:
    """Recent average seconds per provider call and how many run in parallel."""
    return estimates.speed_estimate()


def describe_calls(count: Any, batch_size: Any, speed: dict[str, Any]) -> str:
    """ "≈ 30 provider calls, about 2 min at current speed" (the part app.js redraws)."""
    try:
        n, size = int(count), int(batch_size)
        if n < 1 or size < 1:
            raise ValueError
    except (TypeError, ValueError):
        return "Enter how many personas you need."
    calls = math.ceil(n / size)
    text = f"≈ {calls:,} provider call{'s' if calls != 1 else ''}"
    if speed["batch_seconds"] is None:
        return text + ", speed not measured yet"
    seconds = math.ceil(calls / speed["parallel"]) * speed["batch_seconds"]
    return text + f", about {filters.duration(seconds)} at current speed"


def describe_estimate(
    count: Any, batch_size: Any, speed: dict[str, Any], estimate: Estimate | None = None
) -> str:
    """ "≈ 30 provider calls, about 2 min at current speed, ≈ 45,000 tokens, ≈ $0.04".

    With an estimate, its calls (retries and 429s the history shows included) and its tokens
    and cost; without, the planned calls only.
    """
    if estimate is None:
        return describe_calls(count, batch_size, speed)
    text = describe_calls(estimate.calls, 1, speed)
    cost = estimates.describe_cost(estimate)
    return f"{text}, {cost}" if cost else text


# ---------------------------------------------------------------- generate


def _defaults() -> dict[str, Any]:
    """The Generate form as it first shows: 100 personas and the saved bio settings."""
    cfg = current_app.config
    values: dict[str, Any] = {
        "count": "100",
        "batch_size": str(cfg["PERSONAS_PER_BATCH"]),
        "provider": cfg["GENERATOR_PROVIDER"],
        "locale": "en",
        "seed": "",
    }
    return values | forms.bio_form_values(tasks.saved_bio_settings())


def _check_task_fields(values: dict[str, Any], errors_: dict[str, str]) -> None:
    """The task's own fields, checked up front so every error shows at once."""
    if "\x00" in values["locale"]:
        errors_["locale"] = "Use a short language tag such as en or de"
    most = int(current_app.config["MAX_PERSONAS_PER_TASK"])
    forms.check_number(values, errors_, "count", 1, most, True)
    forms.check_number(values, errors_, "batch_size", 1, tasks.MAX_BATCH_SIZE, False)
    forms.check_number(values, errors_, "seed", 0, 2**62, False)


def _request(values: dict[str, Any], settings: dict[str, Any] | None) -> dict[str, Any]:
    """The form's values as a request for personas."""
    return {
        "count": values["count"],
        "batch_size": values["batch_size"] or None,
        "provider": values["provider"] or None,
        "locale": values["locale"] or None,
        "seed": values["seed"] or None,
        "bio_settings": settings,
    }


def _submit(
    values: dict[str, Any], settings: dict[str, Any], errors_: dict[str, str]
) -> GenerationTask | None:
    """Create the task, or note why not beside the field."""
    try:
        task, _created = tasks.create_task(
            **_request(values, settings),
            user_id=int(current_user.id),
            created_by=current_user.username,
        )
    except tasks.TaskInputError as exc:
        errors_[forms.form_field(exc.field)] = exc.reason
        return None
    return task


def _estimate(
    values: dict[str, Any], settings: dict[str, Any] | None, errors_: dict[str, str] | None
) -> tuple[Estimate | None, dict[str, Any] | None]:
    """The estimate of the form's request, as a dry run makes it (nothing is created).

    With `errors_`, a refused value is put beside its field; without (the first view), an
    estimate that cannot be made is left out.
    """
    try:
        plan = tasks.plan_task(**_request(values, settings))
        return estimates.estimate_plan(plan), plan.describe()
    except tasks.TaskInputError as exc:
        if errors_ is not None:
            errors_[forms.form_field(exc.field)] = exc.reason
        return None, None
    finally:
        db.session.rollback()


@bp.route("/generate", methods=["GET", "POST"])
@login_required
def generate() -> Any:
    """The main form: count first, more options, bio settings, estimate.

    A form with errors comes back with 200, not 422: the browser shows it again without
    logging a failed load.
    """
    errors_: dict[str, str] = {}
    estimate: Estimate | None = None
    planned: dict[str, Any] | None = None
    if request.method == "GET":
        values = _defaults()
        estimate, planned = _estimate(values, None, None)
    else:
        values = {key: request.form.get(key, "").strip() for key in TASK_FIELDS}
        settings, bio_values = forms.parse_bio_form(request.form, errors_)
        values |= bio_values
        _check_task_fields(values, errors_)
        forms.check_bio_form(settings, errors_)
        if request.form.get("action") == "estimate":
            if not errors_:
                estimate, planned = _estimate(values, settings, errors_)
        else:
            task = None if errors_ else _submit(values, settings, errors_)
            if task is not None:
                flash(f"Task queued: {task.requested:,} personas.", "success")
                return redirect(url_for("tasks.detail", task_id=task.task_id))
    speed = speed_estimate()
    return render_template(
        "generate.html",
        values=values,
        errors=errors_,
        providers=_provider_labels(),
        platforms=PLATFORM_LIMITS,
        genders=forms.GENDER_CHOICES,
        bounds=forms.BOUNDS,
        choices=forms.choices(),
        max_count=current_app.config["MAX_PERSONAS_PER_TASK"],
        max_batch=tasks.MAX_BATCH_SIZE,
        speed=speed,
        estimate=(
            describe_calls(estimate.calls, 1, speed)
            if estimate is not None
            else describe_calls(values.get("count"), values.get("batch_size"), speed)
        ),
        estimate_cost=estimates.describe_cost(estimate) if estimate is not None else "",
        estimate_basis=estimate.basis if estimate is not None else None,
        estimate_for=planned,
    )


# ---------------------------------------------------------------- list and detail


@bp.route("/tasks")
@login_required
def index() -> Any:
    """Every task, newest first, with status chips and pagination."""
    status = request.args.get("status") or None
    if status not in STATUS_FILTERS:
        status = None
    page = _int_arg("page", 1)
    rows, total = tasks.list_tasks(status, limit=TASKS_PER_PAGE, offset=(page - 1) * TASKS_PER_PAGE)
    counts = task_rows.count_by_status(db.session)
    return render_template(
        "tasks.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / TASKS_PER_PAGE)),
        status=status,
        statuses=STATUS_FILTERS,
        counts=counts,
        all_count=sum(counts.values()),
        live=any(t.status not in filters.FINISHED for t in rows),
        now=datetime.now(UTC),
    )


@bp.route("/tasks/<task_id>")
@login_required
def detail(task_id: str) -> Any:
    """One task: header, progress, timings, error, actions, provenance, quality, personas."""
    task = _task_or_404(task_id)
    total = task_rows.count_personas(db.session, task.task_id)
    pages = max(1, math.ceil(total / PERSONAS_PER_PAGE))
    page = min(_int_arg("page", 1), pages)
    offset = (page - 1) * PERSONAS_PER_PAGE
    personas = task_rows.personas_page(db.session, task.task_id, PERSONAS_PER_PAGE, offset)
    return render_template(
        "task_detail.html",
        task=task,
        personas=[p for p in personas if isinstance(p, dict)],
        persona_total=total,
        page=page,
        pages=pages,
        view="table" if request.args.get("view") == "table" else "cards",
        batch_avg=task_rows.average_batch_seconds(db.session, task.task_id),
        limits=(task.bio_settings or {}).get("platforms") or PLATFORM_LIMITS,
        can_manage=tasks.can_manage(task, current_user),
        currency=prices.currency_for(task.provider, task.provenance or {}),
        live=task.status not in filters.FINISHED,
        now=datetime.now(UTC),
    )


# ---------------------------------------------------------------- cancel and retry


@bp.route("/tasks/<task_id>/cancel", methods=["POST"])
@login_required
def cancel(task_id: str) -> Response:
    """Stop handing out the task's batches."""
    return _act_on_task(
        tasks.cancel_task, task_id, "Task cancelled. Personas already made are kept.", "info"
    )


@bp.route("/tasks/<task_id>/retry", methods=["POST"])
@login_required
def retry(task_id: str) -> Response:
    """Generate only what a failed or cancelled task is missing."""
    return _act_on_task(
        tasks.retry_task, task_id, "Task queued again for the personas it is missing.", "success"
    )


def _act_on_task(
    action: Callable[[str, Any], Any], task_id: str, done: str, category: str
) -> Response:
    """Cancel or retry (owner or admin), then back to the task's page with what happened."""
    try:
        action(task_id, current_user._get_current_object())
        flash(done, category)
    except tasks.TaskNotFound:
        abort(404)
    except tasks.TaskForbidden as exc:
        abort(403, description=errors.sentence(str(exc)) + ".")
    except tasks.TaskStateError as exc:
        flash(str(exc), "error")
    return redirect(url_for("tasks.detail", task_id=task_id))
