"""Page views. Plain HTML forms that work without JavaScript; JS only refreshes live regions."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import Integer, cast, func, select
from werkzeug.wrappers import Response

from avatar_data_generator import accounts, auth, queue, tasks
from avatar_data_generator.config import PROVIDERS
from avatar_data_generator.db import db, is_postgres, utcnow
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.models import (
    GenerationBatch,
    GenerationResult,
    GenerationTask,
    QueueSample,
    TaskStatus,
)
from avatar_data_generator.web import errors, filters

bp = Blueprint("web", __name__)
errors.register(bp)

TASKS_PER_PAGE = 20
PERSONAS_PER_PAGE = 24
GENDERS = (("female", "Female"), ("male", "Male"), ("non-binary", "Non-binary"))
STATUS_FILTERS = [s.value for s in TaskStatus]


# ---------------------------------------------------------------- helpers


def _int_arg(name: str, default: int, low: int = 1, high: int = 10**6) -> int:
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def _safe_next(target: str | None) -> str:
    """Only same-site paths may be redirected to after logging in."""
    if not target:
        return url_for("web.generate")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.generate")
    if "\\" in target or "\x00" in target:
        return url_for("web.generate")
    return target


def _task_or_404(task_id: str) -> GenerationTask:
    try:
        return tasks.get_task(task_id)
    except tasks.TaskNotFound:
        abort(404)


def bio_form_values(settings: dict[str, Any]) -> dict[str, Any]:
    """Form field values for bio settings."""
    platforms = settings.get("platforms") or {}
    mix = settings.get("gender_mix") or {}
    values: dict[str, Any] = {
        "tone": settings.get("tone", ""),
        "language": settings.get("language", "en"),
        "emoji": bool(settings.get("emoji", True)),
        "hashtags": bool(settings.get("hashtags", True)),
        "age_min": settings.get("age_min", 18),
        "age_max": settings.get("age_max", 70),
        "countries": ", ".join(settings.get("countries") or []),
    }
    for platform, default in PLATFORM_LIMITS.items():
        values[f"p_{platform}"] = platform in platforms
        values[f"limit_{platform}"] = platforms.get(platform, default)
    for key, _label in GENDERS:
        values[f"mix_{key}"] = _percent(mix.get(key, 0))
    return values


def _percent(share: Any) -> str:
    try:
        value = round(float(share) * 100, 1)
    except (TypeError, ValueError):
        return "0"
    return f"{value:g}"


def parse_bio_form(form: Any, errors: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bio settings from a form: (settings to validate, values to show again)."""
    values: dict[str, Any] = {
        "tone": form.get("tone", "").strip(),
        "language": form.get("language", "").strip() or "en",
        "emoji": form.get("emoji") == "on",
        "hashtags": form.get("hashtags") == "on",
        "age_min": form.get("age_min", "").strip(),
        "age_max": form.get("age_max", "").strip(),
        "countries": form.get("countries", "").strip(),
    }
    platforms: dict[str, int] = {}
    for platform in PLATFORM_LIMITS:
        enabled = form.get(f"p_{platform}") == "on"
        raw = form.get(f"limit_{platform}", "").strip()
        values[f"p_{platform}"] = enabled
        values[f"limit_{platform}"] = raw
        if not enabled:
            continue
        try:
            limit = int(raw)
            if not 1 <= limit <= 5000:
                raise ValueError
            platforms[platform] = limit
        except ValueError:
            errors[f"limit_{platform}"] = "Enter a limit from 1 to 5000 characters"
    if not platforms and not any(k.startswith("limit_") for k in errors):
        errors["platforms"] = "Choose at least one platform"

    ages: dict[str, int] = {}
    for key in ("age_min", "age_max"):
        try:
            ages[key] = int(values[key])
            if not 13 <= ages[key] <= 100:
                raise ValueError
        except ValueError:
            errors[key] = "Enter an age from 13 to 100"
    if "age_min" not in errors and "age_max" not in errors and ages["age_min"] > ages["age_max"]:
        errors["age_min"] = "The youngest age must not exceed the oldest"

    mix: dict[str, float] = {}
    for key, _label in GENDERS:
        raw = form.get(f"mix_{key}", "").strip() or "0"
        values[f"mix_{key}"] = raw
        try:
            share = float(raw)
            if not 0 <= share <= 100 or math.isnan(share):
                raise ValueError
            mix[key] = round(share / 100, 4)
        except ValueError:
            errors["gender_mix"] = "Each share is a percentage from 0 to 100"
    if "gender_mix" not in errors and sum(mix.values()) <= 0:
        errors["gender_mix"] = "At least one share must be above 0"
    if len(values["tone"]) > 200:
        errors["tone"] = "Keep the tone under 200 characters"
    if len(values["language"]) > 20:
        errors["language"] = "Use a short language tag such as en or de"
    countries = [c.strip() for c in values["countries"].split(",") if c.strip()]
    if any(len(c) > 100 for c in countries):
        errors["countries"] = "Country names are at most 100 characters"

    settings = {
        "platforms": platforms,
        "tone": values["tone"] or "friendly",
        "language": values["language"],
        "emoji": values["emoji"],
        "hashtags": values["hashtags"],
        "age_min": ages.get("age_min", 18),
        "age_max": ages.get("age_max", 70),
        "gender_mix": mix,
        "countries": countries,
    }
    for key, value in list(values.items()):
        if isinstance(value, str) and "\x00" in value:
            errors[key] = "Remove the NUL character"
    return settings, values


_BIO_ERROR_FIELDS = {
    "platforms": "platforms",
    "tone": "tone",
    "language": "language",
    "emoji": "emoji",
    "hashtags": "hashtags",
    "age_min": "age_min",
    "age_max": "age_max",
    "gender_mix": "gender_mix",
    "countries": "countries",
}


def _form_field_for(field: str) -> str:
    """Map a validation field such as `bio_settings.age_min` to its form field."""
    name = field.removeprefix("bio_settings.")
    head = name.split(".")[0]
    if head == "platforms" and "." in name:
        return f"limit_{name.split('.')[1]}"
    return _BIO_ERROR_FIELDS.get(head, name if name in ("count", "batch_size") else head)


def _check_number(
    values: dict[str, Any], errors: dict[str, str], key: str, low: int, high: int, required: bool
) -> None:
    """Check a whole-number field up front, so every error shows at once."""
    raw = values.get(key, "")
    if raw == "":
        if required:
            errors[key] = "Enter how many personas you need"
        return
    try:
        number = int(raw)
    except ValueError:
        errors[key] = "Enter a whole number"
        return
    if number < low:
        errors[key] = f"Enter at least {low}"
    elif number > high:
        errors[key] = (
            f"At most {high:,} personas per task (MAX_PERSONAS_PER_TASK); "
            "split it into smaller tasks"
            if key == "count"
            else f"Enter at most {high:,}"
        )


def _provider_labels() -> list[tuple[str, str]]:
    """Providers for the select, saying which are not set up on this server."""
    cfg = current_app.config
    ready = {
        "local": True,
        "flowise": bool(cfg.get("FLOWISE_API_URL") and cfg.get("FLOWISE_CHATFLOW_ID")),
        "openai": bool(cfg.get("OPENAI_BASE_URL") or cfg.get("OPENAI_API_KEY")),
    }
    names = {"local": "local (offline)", "flowise": "Flowise", "openai": "OpenAI-compatible"}
    return [
        (p, names.get(p, p) + ("" if ready.get(p, True) else " — not configured"))
        for p in PROVIDERS
    ]


def speed_estimate() -> dict[str, Any]:
    """Recent average seconds per provider call and how many run in parallel."""
    since = utcnow() - timedelta(hours=24)
    avg = db.session.scalar(
        select(func.avg(GenerationBatch.duration_seconds)).where(
            GenerationBatch.status == "done",
            GenerationBatch.finished_at > since,
            GenerationBatch.duration_seconds.is_not(None),
        )
    )
    parallel = max(1, int(current_app.config.get("MULTITHREAD_FLOWISE") or 1))
    return {"batch_seconds": float(avg) if avg is not None else None, "parallel": parallel}


def estimate_text(count: Any, batch_size: Any, speed: dict[str, Any]) -> str:
    """ "≈ 30 provider calls, about 2 min at current speed"."""
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


# ---------------------------------------------------------------- sign-in


@bp.route("/")
def index() -> Response:
    """Home: the task list, or the login."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login"))
    return redirect(url_for("web.tasks_page"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """One small centred form; failures are throttled per username and address."""
    next_url = _safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:80]
        password = request.form.get("password", "")
        if "\x00" in username or "\x00" in password:
            error, status = "Invalid username or password.", 400
        else:
            result = auth.attempt_login(username, password)
            if result.throttled:
                error = "Too many failed attempts. Wait 15 minutes and try again."
                status = 429
            elif result.user is None:
                error = "Invalid username or password."
            else:
                auth.start_session()
                login_user(result.user, remember=request.form.get("remember") == "on")
                return redirect(next_url)
    return (
        render_template("login.html", error=error, username=username, next=next_url),
        status,
    )


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """Log out (POST from the top bar; GET shows a confirmation button)."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("web.login"))
        return render_template("logout.html")
    if current_user.is_authenticated:
        # Every session of this user ends, copies of this cookie and remember-me included.
        accounts.end_sessions(int(current_user.id))
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("web.login"))


# ---------------------------------------------------------------- generate


@bp.route("/generate", methods=["GET", "POST"])
@login_required
def generate() -> Any:
    """The main form: count first, more options, bio settings, estimate."""
    cfg = current_app.config
    errors: dict[str, str] = {}
    speed = speed_estimate()
    if request.method == "GET":
        values: dict[str, Any] = {
            "count": "100",
            "batch_size": str(cfg["PERSONAS_PER_BATCH"]),
            "provider": cfg["GENERATOR_PROVIDER"],
            "locale": "en",
            "seed": "",
        }
        values |= bio_form_values(tasks.saved_bio_settings())
        status = 200
    else:
        form = request.form
        values = {
            key: form.get(key, "").strip()
            for key in ("count", "batch_size", "provider", "locale", "seed")
        }
        settings, bio_values = parse_bio_form(form, errors)
        values |= bio_values
        if "\x00" in values["locale"]:
            errors["locale"] = "Use a short language tag such as en or de"
        _check_number(values, errors, "count", 1, int(cfg["MAX_PERSONAS_PER_TASK"]), True)
        _check_number(values, errors, "batch_size", 1, tasks.MAX_BATCH_SIZE, False)
        _check_number(values, errors, "seed", 0, 2**62, False)
        if not errors:
            try:
                task, _created = tasks.create_task(
                    count=values["count"],
                    batch_size=values["batch_size"] or None,
                    provider=values["provider"] or None,
                    locale=values["locale"] or None,
                    seed=values["seed"] or None,
                    bio_settings=settings,
                    user_id=int(current_user.id),
                    created_by=current_user.username,
                )
            except tasks.TaskInputError as exc:
                errors[_form_field_for(exc.field)] = exc.message
            else:
                flash(f"Task queued: {task.requested:,} personas.", "success")
                return redirect(url_for("web.task_detail", task_id=task.task_id))
        # 200, not 422: the browser shows the form again without logging a failed load.
        status = 200
    return (
        render_template(
            "generate.html",
            values=values,
            errors=errors,
            providers=_provider_labels(),
            platforms=PLATFORM_LIMITS,
            genders=GENDERS,
            max_count=cfg["MAX_PERSONAS_PER_TASK"],
            max_batch=tasks.MAX_BATCH_SIZE,
            speed=speed,
            estimate=estimate_text(values.get("count"), values.get("batch_size"), speed),
        ),
        status,
    )


# ---------------------------------------------------------------- tasks


@bp.route("/tasks")
@login_required
def tasks_page() -> Any:
    """Every task, newest first, with status chips and pagination."""
    status = request.args.get("status") or None
    if status not in STATUS_FILTERS:
        status = None
    page = _int_arg("page", 1)
    rows, total = tasks.list_tasks(status, limit=TASKS_PER_PAGE, offset=(page - 1) * TASKS_PER_PAGE)
    pages = max(1, math.ceil(total / TASKS_PER_PAGE))
    counts = dict(
        db.session.execute(
            select(GenerationTask.status, func.count()).group_by(GenerationTask.status)
        ).all()
    )
    live = any(t.status not in filters.FINISHED for t in rows)
    return render_template(
        "tasks.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        status=status,
        statuses=STATUS_FILTERS,
        counts=counts,
        all_count=sum(counts.values()),
        live=live,
        now=datetime.now(UTC),
    )


@bp.route("/tasks/<task_id>")
@login_required
def task_detail(task_id: str) -> Any:
    """One task: header, progress, timings, error, actions, provenance, quality, personas."""
    task = _task_or_404(task_id)
    page = _int_arg("page", 1)
    view = "table" if request.args.get("view") == "table" else "cards"
    total = int(
        db.session.scalar(
            select(func.count())
            .select_from(GenerationResult)
            .where(GenerationResult.task_id == task.task_id)
        )
        or 0
    )
    pages = max(1, math.ceil(total / PERSONAS_PER_PAGE))
    page = min(page, pages)
    personas = db.session.scalars(
        select(GenerationResult.data)
        .where(GenerationResult.task_id == task.task_id)
        .order_by(GenerationResult.batch_index, GenerationResult.position)
        .limit(PERSONAS_PER_PAGE)
        .offset((page - 1) * PERSONAS_PER_PAGE)
    ).all()
    batch_avg = db.session.scalar(
        select(func.avg(GenerationBatch.duration_seconds)).where(
            GenerationBatch.task_id == task.task_id,
            GenerationBatch.duration_seconds.is_not(None),
        )
    )
    limits = (task.bio_settings or {}).get("platforms") or PLATFORM_LIMITS
    return render_template(
        "task_detail.html",
        task=task,
        personas=[p for p in personas if isinstance(p, dict)],
        persona_total=total,
        page=page,
        pages=pages,
        view=view,
        batch_avg=float(batch_avg) if batch_avg is not None else None,
        limits=limits,
        can_manage=tasks.can_manage(task, current_user),
        live=task.status not in filters.FINISHED,
        now=datetime.now(UTC),
    )


@bp.route("/tasks/<task_id>/cancel", methods=["POST"])
@login_required
def task_cancel(task_id: str) -> Response:
    """Stop handing out the task's batches."""
    return _act_on_task(
        tasks.cancel_task, task_id, "Task cancelled. Personas already made are kept.", "info"
    )


@bp.route("/tasks/<task_id>/retry", methods=["POST"])
@login_required
def task_retry(task_id: str) -> Response:
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
    return redirect(url_for("web.task_detail", task_id=task_id))


# ---------------------------------------------------------------- settings


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings_page() -> Any:
    """The saved default bio settings: everyone reads them, admins change them."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not auth.is_admin():
            abort(403, description="Only admins can change the team's default bio settings.")
        settings, values = parse_bio_form(request.form, errors)
        if not errors:
            try:
                tasks.save_bio_settings(settings)
            except tasks.TaskInputError as exc:
                errors[_form_field_for(exc.field)] = exc.message
            else:
                flash("Default bio settings saved.", "success")
                return redirect(url_for("web.settings_page"))
    else:
        values = bio_form_values(tasks.saved_bio_settings())
    return (
        render_template(
            "settings.html",
            values=values,
            errors=errors,
            platforms=PLATFORM_LIMITS,
            genders=GENDERS,
            can_edit=auth.is_admin(),
            admins=accounts.admin_names(),
        ),
        status,
    )


# ---------------------------------------------------------------- dashboard


def _bucket(column: Any, seconds: int) -> Any:
    """Whole `seconds`-long buckets since the epoch, on either dialect."""
    if is_postgres(db.session.connection()):
        return cast(func.floor(func.extract("epoch", column) / seconds), Integer)
    return cast(func.strftime("%s", column), Integer) / seconds


def _series(
    rows: list[Any], seconds: int, count: int, now: datetime
) -> list[tuple[datetime, float]]:
    values = {int(bucket): float(value or 0) for bucket, value in rows if bucket is not None}
    last = int(now.timestamp()) // seconds
    return [
        (datetime.fromtimestamp(b * seconds, UTC), values.get(b, 0.0))
        for b in range(last - count + 1, last + 1)
    ]


def chart(series: list[tuple[datetime, float]], kind: str, unit: str) -> dict[str, Any]:
    """Coordinates for a small server-drawn SVG chart (viewBox 600 x 180)."""
    width, height, left, bottom, top = 600, 180, 36, 22, 10
    plot_w, plot_h = width - left - 6, height - bottom - top
    peak = max([v for _, v in series] + [0])
    scale_max = max(1, _nice(peak))
    n = max(1, len(series))
    step = plot_w / n
    items = []
    for i, (at, value) in enumerate(series):
        h = plot_h * value / scale_max
        items.append(
            {
                "x": round(left + i * step, 1),
                "w": round(max(1.0, step - 2), 1),
                "y": round(top + plot_h - h, 1),
                "h": round(h, 1),
                "cx": round(left + i * step + step / 2, 1),
                "value": value,
                "label": f"{at:%H:%M} UTC: {value:g} {unit}",
            }
        )
    points = " ".join(f"{it['cx']},{it['y']}" for it in items)
    area = (
        f"{items[0]['cx']},{top + plot_h} {points} {items[-1]['cx']},{top + plot_h}"
        if items
        else ""
    )
    ticks = [
        {"y": round(top + plot_h - plot_h * f, 1), "label": f"{scale_max * f:g}"}
        for f in (0, 0.5, 1)
    ]
    xlabels = [
        {"x": it["cx"], "label": series[i][0].strftime("%H:%M")}
        for i, it in enumerate(items)
        if i % max(1, n // 6) == 0
    ]
    return {
        "kind": kind,
        "bars": items,
        "points": points,
        "area": area,
        "ticks": ticks,
        "xlabels": xlabels,
        "width": width,
        "height": height,
        "left": left,
        "base": top + plot_h,
        "right": width - 6,
        "empty": peak == 0,
        "peak": peak,
        "total": sum(v for _, v in series),
    }


def _nice(value: float) -> float:
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


@bp.route("/dashboard")
@login_required
def dashboard() -> Any:
    """The seed's four health figures and two 24-hour charts."""
    now = datetime.now(UTC)
    since = now - timedelta(hours=24)
    stats = queue.health_stats(db.session.connection())
    hour = _bucket(GenerationResult.created_at, 3600)
    per_hour = db.session.execute(
        select(hour, func.count()).where(GenerationResult.created_at >= since).group_by(hour)
    ).all()
    quarter = _bucket(QueueSample.sampled_at, 900)
    depth = db.session.execute(
        select(quarter, func.max(QueueSample.queue_depth))
        .where(QueueSample.sampled_at >= since)
        .group_by(quarter)
    ).all()
    return render_template(
        "dashboard.html",
        stats=stats,
        personas_chart=chart(_series(list(per_hour), 3600, 24, now), "bars", "personas"),
        depth_chart=chart(_series(list(depth), 900, 96, now), "area", "tasks waiting"),
        now=now,
        live=True,
    )
