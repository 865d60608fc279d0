"""Placeholder for the health module."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register health with the app."""
