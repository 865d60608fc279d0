"""Settings: defaults, `.env`, the environment, then a test mapping; read at app creation."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from avatar_data_generator.generation.providers import NAMES as PROVIDERS


def _bool(value: str) -> bool:
    """Parse a truthy environment string."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


# name -> (default, parser); every variable of the contract, and the few this design adds.
_SETTINGS: dict[str, tuple[Any, Any]] = {
    "DATABASE_URL": (None, str),
    "INSTANCE_PATH": ("./instance", str),
    "SECRET_KEY": (None, str),
    "WORKER_ENABLED": (True, _bool),
    "WORKER_INTERVAL": (30.0, float),
    "WORKER_WAKEUP": (True, _bool),
    "MULTITHREAD_FLOWISE": (5, int),
    "ADAPTIVE_CONCURRENCY": (True, _bool),
    "RATE_LIMIT_PAUSE_SECONDS": (1.0, float),
    "BREAKER_COOLDOWN_SECONDS": (5.0, float),
    "BREAKER_WINDOW": (10, int),
    "BREAKER_FAILURE_RATIO": (0.5, float),
    "PROVIDER_PRICES": ("", str),
    "FLOWISE_MAX_CONCURRENCY": (0, int),
    "PERSONAS_PER_BATCH": (10, int),
    "MAX_PERSONAS_PER_TASK": (10000, int),
    "GENERATOR_PROVIDER": ("local", str),
    "FLOWISE_API_URL": (None, str),
    "FLOWISE_CHATFLOW_ID": (None, str),
    "FLOWISE_API_KEY": (None, str),
    "FLOWISE_TIMEOUT": (300.0, float),
    "PROVIDER_MAX_ANSWER_BYTES": (8 * 1024 * 1024, int),
    "OPENAI_BASE_URL": (None, str),
    "OPENAI_API_KEY": (None, str),
    "OPENAI_MODEL": (None, str),
    "LEASE_SECONDS": (60.0, float),
    "GRACEFUL_TIMEOUT": (30.0, float),
    "MAX_BATCH_ATTEMPTS": (5, int),
    "MAX_TOPUP_RATIO": (1.0, float),
    "RETRY_BASE_SECONDS": (1.0, float),
    "RETRY_MAX_SECONDS": (60.0, float),
    "AVATAR_STYLE": ("open-peeps", str),
    "RETENTION_DAYS": (0, int),
    "HOUSEKEEPING_INTERVAL": (600.0, float),
    "HOUSEKEEPING_BATCH": (200, int),
    "SCHEDULER_API_ENABLED": (False, _bool),
    "LOG_LEVEL": ("INFO", str),
    "LOG_FORMAT": ("text", str),
    "MAX_CONTENT_LENGTH": (1024 * 1024, int),
    "SESSION_COOKIE_SECURE": (False, _bool),
    "TRUSTED_PROXIES": (0, int),
    "DB_POOL_SIZE": (0, int),
}


def load_settings(test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, `.env` in the working directory, the environment and `test_config`."""
    dotenv = {k: v for k, v in dotenv_values(Path.cwd() / ".env").items() if v is not None}
    settings: dict[str, Any] = {}
    for name, (default, parse) in _SETTINGS.items():
        raw = os.environ.get(name, dotenv.get(name))
        settings[name] = parse(raw) if raw not in (None, "") else default
    if test_config:
        settings.update(test_config)
    instance = Path(settings["INSTANCE_PATH"]).expanduser().resolve()
    settings["INSTANCE_PATH"] = str(instance)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'avatar_data_generator.db'}"
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    if settings["GENERATOR_PROVIDER"] not in PROVIDERS:
        raise ValueError(
            f"GENERATOR_PROVIDER must be one of {', '.join(PROVIDERS)}, "
            f"not {settings['GENERATOR_PROVIDER']!r}"
        )
    return settings


def ensure_secret_key(instance_path: Path) -> str:
    """Return the instance's secret key, creating it exclusively so concurrent workers agree."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process won the race; it may still be writing, so wait for the bytes.
        for _ in range(100):
            key = key_file.read_text().strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{key_file} exists but is empty") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
