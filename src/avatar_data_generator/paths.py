"""Where the package's own data lives, so every command works from any directory."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
MIGRATIONS = PACKAGE / "migrations"
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
