"""Logging: the seed's lines on stderr, as text or one JSON object a line (LOG_FORMAT)."""

from __future__ import annotations

import logging

from flask import Flask


def init_app(app: Flask) -> None:
    """Configure the package logger once per process."""
    logger = logging.getLogger("avatar_data_generator")
    logger.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    if not any(getattr(h, "_avatar", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler._avatar = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
