"""Shared HTTP plumbing for remote providers: one client, bounded calls, errors by cause.

A call has a wall-clock deadline (the provider's timeout, for connecting, waiting and reading
together: a server trickling one byte a second is cut there, not after a read timeout per byte)
and a size cap on the answer (too big is a retryable error, read no further than the cap).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx
import orjson

from avatar_data_generator.generation.base import ProviderError

#: The largest answer read from a provider (a batch of 100 personas is about 200 kB).
MAX_ANSWER_BYTES = 8 * 1024 * 1024

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


_deadline = threading.local()


def _within_deadline(timeout: float | None, expired: type[Exception]) -> float | None:
    """A socket operation's timeout, shortened to what is left of this thread's call."""
    at: float | None = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise expired("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends at the calling thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read, waiting no longer than the deadline allows."""
        return self._inner.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write, waiting no longer than the deadline allows."""
        self._inner.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the connection."""
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """TLS over this connection, under the same deadline."""
        limit = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, limit))

    def get_extra_info(self, info: str) -> Any:
        """What the socket underneath says."""
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, its connections bounded by the calling thread's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        """Connect, within the deadline."""
        limit = _within_deadline(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        """Connect to a Unix socket, within the deadline."""
        limit = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, limit, socket_options))

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retries)."""
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport on a backend that enforces `call_deadline` at every socket operation.

    httpx takes no network backend of its own, so the pool's is wrapped after construction;
    tests/generation/test_http_limits.py fails if a release of httpx or httpcore moves it.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pool = self._pool
        if not hasattr(pool, "_network_backend"):
            raise RuntimeError("this httpcore has no _network_backend: call deadlines need one")
        pool._network_backend = _DeadlineBackend(pool._network_backend)


@contextlib.contextmanager
def call_deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread inside the block ends `seconds` from now."""
    previous = getattr(_deadline, "at", None)
    _deadline.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline.at = previous


def make_client(timeout: float, api_key: str | None) -> httpx.Client:
    """A pooled JSON client, with the Bearer key when one is set; opens no connection yet."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Encoding": "identity",  # the size cap counts what the server sends
    }
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
    return httpx.Client(
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        transport=DeadlineTransport(limits=limits),
    )


def post_json(
    client: httpx.Client, url: str, body: Any, *, timeout: float, max_bytes: int, label: str
) -> httpx.Response:
    """POST JSON and read the answer within the deadline and the size cap (a loaded Response).

    Raises ProviderError (retryable) when the answer passes the cap, and lets httpx's own
    errors through (a deadline passing is an httpx.TimeoutException).
    """
    with call_deadline(timeout), client.stream("POST", url, json=body) as streamed:
        declared = streamed.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large(label, int(declared), max_bytes)
        chunks: list[bytes] = []
        size = 0
        for chunk in streamed.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise too_large(label, size, max_bytes)
            chunks.append(chunk)
    headers = streamed.headers.copy()
    headers.pop("Content-Encoding", None)  # the bytes below are already decoded
    return httpx.Response(
        streamed.status_code, headers=headers, content=b"".join(chunks), request=streamed.request
    )


def too_large(label: str, size: int, cap: int) -> ProviderError:
    """The answer passed the cap: another attempt may be smaller; it is not read further."""
    return ProviderError(
        f"{label} sent an answer over the {cap // 1024:,} kB cap ({size // 1024:,} kB read);"
        " ask for fewer personas per batch or raise PROVIDER_MAX_ANSWER_BYTES",
        retryable=True,
    )


def decode_json(response: httpx.Response) -> Any:
    """The answer as JSON, or as text when it is not JSON; bytes that are not UTF-8 become U+FFFD.

    orjson refuses nesting deeper than 1,024 levels with an error, never a RecursionError.
    """
    text = response.content.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def public_url(url: str) -> str:
    """A URL fit to show and store: no user, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def error_message(response: httpx.Response) -> str:
    """The server's own words: a JSON `message`/`error`, or the text without HTML tags."""
    text = response.content.decode("utf-8", errors="replace")
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
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
    shown = public_url(url)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"{label} timed out after {timeout:g}s ({shown})", retryable=True)
    return ProviderError(
        f"{label} unreachable at {shown}: {exc or type(exc).__name__}", retryable=True
    )
