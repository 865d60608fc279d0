"""Placeholder for the auth module."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register auth with the app."""
