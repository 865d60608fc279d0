"""The pages: log in, generate, watch tasks, read personas, download, settings, dashboard,
one's own account and, for admins, the users. One blueprint per page area, named after its
module (`tasks.generate`, `sign_in.login`, `settings.index`, …)."""

from __future__ import annotations

from flask import Flask

from avatar_data_generator.web import account, dashboard, filters, settings, sign_in, tasks, users


def init_app(app: Flask) -> None:
    """Register the pages and their template helpers."""
    filters.init_app(app)
    for module in (sign_in, tasks, dashboard, settings, account, users):
        app.register_blueprint(module.bp)
