"""Placeholder for the metrics module."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register metrics with the app."""
