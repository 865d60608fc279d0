"""Placeholder for the api package."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the api blueprints."""
