"""Placeholder for the avatars module."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register avatars with the app."""
