"""Placeholder for the web package."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the web blueprints."""
