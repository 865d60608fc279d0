"""The dashboard: the seed's four health figures and two 24-hour charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from avatar_data_generator import queue
from avatar_data_generator.db import db
from avatar_data_generator.queue import dashboard_rows
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
        personas_chart=charts.chart(charts.series(per_hour, HOUR, 24, now), "bars", "personas"),
        depth_chart=charts.chart(charts.series(depth, QUARTER, 96, now), "area", "tasks waiting"),
        now=now,
        live=True,
    )
