"""The pages: log in, generate, watch tasks, read personas, download, settings, dashboard,
one's own account and, for admins, the users."""

from __future__ import annotations

from flask import Flask

from avatar_data_generator.web import account, filters, users, views


def init_app(app: Flask) -> None:
    """Register the pages and their template helpers."""
    filters.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(users.bp)
