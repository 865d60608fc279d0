"""Logging: the seed's lines on stderr, as text or one JSON object a line (LOG_FORMAT).

Every line passes a redaction filter first, so API keys, the secret key, database passwords,
bearer tokens (`adg_…`) and `Authorization:` headers never reach a log, whatever logged them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Flask

PACKAGE_LOGGER = "avatar_data_generator"
#: Other loggers whose lines end up in the same stream (scheduler, dev server, gunicorn).
ALSO_HANDLED = ("apscheduler", "werkzeug")
#: Settings whose values are secrets wherever they appear in a line.
SECRET_SETTINGS = ("FLOWISE_API_KEY", "OPENAI_API_KEY", "SECRET_KEY")
MASK = "[REDACTED]"
_MARK = "_avatar_handler"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization / Proxy-Authorization headers, whatever the scheme.
    (re.compile(r"(?i)\b((?:proxy-)?authorization)(\s*[:=]\s*)[^\r\n,;]+"), rf"\1\2{MASK}"),
    # Bearer tokens anywhere.
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]+"), rf"\1 {MASK}"),
    # This app's API tokens.
    (re.compile(r"\badg_[A-Za-z0-9_\-]{6,}"), MASK),
    # OpenAI-style keys.
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{10,}"), MASK),
    # user:password@ in URLs (DATABASE_URL and friends).
    (re.compile(r"(?i)([a-z][a-z0-9+.\-]*://[^\s:/@]*):([^\s@/]+)@"), rf"\1:{MASK}@"),
    # password=..., "password": "...", api_key=..., secret=..., token: ...
    (
        re.compile(
            r"(?i)(\b(?:password|passwd|pwd|api[_-]?key|secret(?:_key)?|token|"
            r"access_token)\\?[\"']?\s*[:=]\s*\\?[\"']?)([^\s\"',;&}\\]+)"
        ),
        rf"\1{MASK}",
    ),
)


class Redactor:
    """Masks known secret values and anything that looks like a credential."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add(self, values: Iterable[Any]) -> None:
        """Remember secret values (short ones are ignored: masking 'a' would mangle text)."""
        for value in values:
            if isinstance(value, str) and len(value) >= 6:
                self.secrets.add(value)

    def __call__(self, text: str) -> str:
        """The text with every secret masked."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


#: Settings holding URLs whose password and query values are secrets too.
SECRET_URL_SETTINGS = ("DATABASE_URL", "FLOWISE_API_URL", "OPENAI_BASE_URL")


def secrets_of(config: Mapping[str, Any]) -> list[str]:
    """Secret values in the app's settings: keys, the secret key, and passwords and query
    values inside the URLs of the database and the providers."""
    values = [config.get(name) for name in SECRET_SETTINGS]
    for name in SECRET_URL_SETTINGS:
        url = urlsplit(str(config.get(name) or ""))
        values.append(unquote(url.password) if url.password else None)
        values.extend(value for _, value in parse_qsl(url.query))
    return [v for v in values if isinstance(v, str) and v]


def redactor_of(config: Mapping[str, Any]) -> Redactor:
    """A redactor that knows this app's secrets (for text that is stored or shown, not logged)."""
    redactor = Redactor()
    redactor.add(secrets_of(config))
    return redactor


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments and extra fields with secrets masked."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; only its text changes."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = str(record.msg)
        record.msg = self.redactor(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redactor(value))
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class TextFormatter(logging.Formatter):
    """`time LEVEL [logger] message [task=… batch=… owner=…]`; the ids only when present."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(name)s] %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """Format, add the ids, and mask once more (tracebacks included)."""
        line = super().format(record)
        extras = _extras(record)
        ids = " ".join(
            f"{key}={extras[key]}" for key in ("task_id", "batch", "owner") if key in extras
        )
        if ids:
            first, sep, rest = line.partition("\n")
            line = f"{first} [{ids}]{sep}{rest}"
        return self.redactor(line)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the record's extra fields."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record; values JSON cannot hold become strings."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redactor(record.getMessage()),
        }
        for key, value in _extras(record).items():
            data[key] = self.redactor(value) if isinstance(value, str) else value
        if record.exc_info:
            data["exc_info"] = self.redactor(self.formatException(record.exc_info))
        if record.stack_info:
            data["stack_info"] = record.stack_info
        return self.redactor(json.dumps(data, default=str, ensure_ascii=False))


def build_handler(fmt: str, redactor: Redactor, stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler with the redaction filter and the text or JSON formatter."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactingFilter(redactor))
    formatter: logging.Formatter = (
        JsonFormatter(redactor) if fmt.strip().lower() == "json" else TextFormatter(redactor)
    )
    handler.setFormatter(formatter)
    setattr(handler, _MARK, True)
    return handler


def _installed(logger: logging.Logger) -> logging.Handler | None:
    return next((h for h in logger.handlers if getattr(h, _MARK, False)), None)


def redactor_for(logger_name: str = PACKAGE_LOGGER) -> Redactor | None:
    """The redactor the package's handler uses (the same one guards every handled logger)."""
    handler = _installed(logging.getLogger(logger_name))
    filt = (
        next((f for f in handler.filters if isinstance(f, RedactingFilter)), None)
        if handler
        else None
    )
    return filt.redactor if filt else None


def init_app(app: Flask) -> None:
    """Configure the package logger once per process; later apps add their secrets."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    redactor = redactor_for() or Redactor()
    redactor.add(secrets_of(app.config))
    fmt = str(app.config.get("LOG_FORMAT", "text"))
    for name in (PACKAGE_LOGGER, *ALSO_HANDLED):
        target = logging.getLogger(name)
        old = _installed(target)
        if old is not None:
            target.removeHandler(old)
        target.addHandler(build_handler(fmt, redactor))
        target.propagate = False
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Flask's app.logger is the package logger; anything else reaching the root is guarded too.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))
