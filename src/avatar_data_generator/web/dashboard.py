"""The dashboard: the seed's four health figures, the providers' limits and two 24-hour charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import login_required

from avatar_data_generator import queue
from avatar_data_generator.db import db
from avatar_data_generator.queue import dashboard_rows
from avatar_data_generator.queue import providers as shared
from avatar_data_generator.web import charts, errors

bp = Blueprint("dashboard", __name__)
errors.register(bp)

HOUR, QUARTER = 3600, 900


@bp.route("/dashboard")
@login_required
def index() -> Any:
    """The seed's four health figures, personas per hour and the queue's depth."""
    now = datetime.now(UTC)
    since = now - timedelta(hours=24)
    stats = queue.health_stats(db.session.connection())
    per_hour = dashboard_rows.personas_per_bucket(db.session, since, HOUR)
    depth = dashboard_rows.depth_per_bucket(db.session, since, QUARTER)
    return render_template(
        "dashboard.html",
        stats=stats,
        providers=provider_rows(db.session.connection()),
        personas_chart=charts.chart(charts.series(per_hour, HOUR, 24, now), "bars", "personas"),
        depth_chart=charts.chart(charts.series(depth, QUARTER, 96, now), "area", "tasks waiting"),
        now=now,
        live=True,
    )


def provider_rows(conn: Any) -> list[dict[str, Any]]:
    """Each remote provider in use or paused: its concurrency summed over the live worker
    processes, and its pause for everyone (since when, why, the last error)."""
    fresh = 3 * float(current_app.config.get("LEASE_SECONDS", 60))
    limits = shared.live_limits(conn, fresh)
    pauses = {pause.provider: pause for pause in shared.pauses(conn)}
    rows = []
    for name in sorted(set(limits) | set(pauses)):
        figures = limits.get(name) or {}
        pause = pauses.get(name)
        rows.append(
            {
                "provider": name,
                "concurrency": figures.get("concurrency"),
                "maximum": figures.get("maximum"),
                "processes": figures.get("processes", 0),
                "paused": pause is not None,
                "reason": pause.reason if pause else None,
                "since": pause.since if pause else None,
                "seconds_left": pause.seconds_left if pause else None,
                "last_error": pause.last_error if pause else None,
            }
        )
    return rows
