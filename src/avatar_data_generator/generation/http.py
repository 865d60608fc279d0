"""Shared HTTP plumbing for remote providers: one client, and errors classified by cause."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from avatar_data_generator.generation.base import ProviderError

#: Statuses another attempt may fix.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 502, 503, 504})
#: A 500 whose message says one of these is a configuration problem: retrying cannot help.
_FATAL_500 = re.compile(
    r"unauthori[sz]ed|forbidden|not found|limit exceeded|invalid api key|incorrect api key"
    r"|api key|permission denied|quota",
    re.IGNORECASE,
)
_TIMED_OUT = re.compile(r"timed? ?out|timeout|ETIMEDOUT|ECONNRESET|socket hang up", re.IGNORECASE)
_UNAUTHORIZED = re.compile(r"unauthori[sz]ed|api key", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def make_client(timeout: float, api_key: str | None) -> httpx.Client:
    """A pooled JSON client, with the Bearer key when one is set; opens no connection yet."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return httpx.Client(
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
    )


def error_message(response: httpx.Response) -> str:
    """The server's own words: a JSON `message`/`error`, or the text without HTML tags."""
    text = response.text
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        found = data.get("message") or data.get("error") or data.get("detail")
        if isinstance(found, dict):
            found = found.get("message") or json.dumps(found)
        if found:
            return " ".join(str(found).split())[:300]
    plain = " ".join(_TAGS.sub(" ", text).split())
    return plain[:300] or response.reason_phrase or "no message"


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header: seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def classify_response(label: str, response: httpx.Response, hint: str = "") -> ProviderError:
    """Turn a non-2xx answer into a ProviderError that says why and whether to retry."""
    status = response.status_code
    message = error_message(response)
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status in RETRYABLE_STATUSES:
        retryable = True
    elif status >= 500:
        # Flowise reports a bad key as a 500 "... Unauthorized", a model timeout as a 500 too:
        # configuration errors fail at once, anything else (timeouts included) is retried.
        retryable = not _FATAL_500.search(message) or (
            bool(_TIMED_OUT.search(message)) and not _UNAUTHORIZED.search(message)
        )
    else:
        retryable = False
    if retryable:
        text = f"{label} failed temporarily: HTTP {status} {message}"
    else:
        text = f"{label} refused the request: HTTP {status} {message}"
        if status in (401, 403) or _UNAUTHORIZED.search(message):
            text += f" ({hint or 'check the API key'})"
    return ProviderError(text, retryable=retryable, retry_after=retry_after, status_code=status)


def classify_transport(label: str, url: str, exc: httpx.HTTPError, timeout: float) -> ProviderError:
    """Connection problems and timeouts are worth another try."""
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"{label} timed out after {timeout:g}s ({url})", retryable=True)
    return ProviderError(
        f"{label} unreachable at {url}: {exc or type(exc).__name__}", retryable=True
    )
