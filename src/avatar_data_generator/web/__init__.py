"""The pages: log in, generate, watch tasks, read personas, download, settings, dashboard."""

from __future__ import annotations

from flask import Flask

from avatar_data_generator.web import filters, views


def init_app(app: Flask) -> None:
    """Register the pages and their template helpers."""
    filters.init_app(app)
    app.register_blueprint(views.bp)
