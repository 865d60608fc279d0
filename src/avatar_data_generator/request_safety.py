"""Request safety beside sign-in: security headers on every response, bodies held to their limit.

* Every response says what a browser may load (CSP), refuses framing and sniffing, keeps the
  referrer on the site, and is not cached when it was made for a signed-in user.
* A streamed (chunked) body longer than MAX_CONTENT_LENGTH is a 413, as a declared one is.
"""

from __future__ import annotations

from typing import IO, cast

from flask import Flask, Request, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(response: Response) -> Response:
    """CSP, framing, sniffing, referrer and caching headers on every response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Only a user this request already loaded: loading one here could hit a failed database.
    user = g.get("_login_user")
    if (
        user is not None
        and user.is_authenticated
        and not request.path.startswith(("/static/", "/avatars/"))
    ):
        headers.setdefault("Cache-Control", "no-store")
    return response


class _MaxLimitedStream(LimitedStream):
    """A body read against MAX_CONTENT_LENGTH that says 413 when the body is longer.

    Werkzeug's `readall` stops at the limit and returns what it has, so a chunked body (no
    Content-Length) over the limit reached the JSON parser cut short: a 400, not a 413.
    """

    def readall(self) -> bytes:
        """The whole body, or RequestEntityTooLarge if anything is left past the limit."""
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class BoundedRequest(Request):
    """Flask's request whose streamed bodies honour MAX_CONTENT_LENGTH with a 413."""

    @cached_property
    def stream(self) -> IO[bytes]:
        """The input stream, limited as werkzeug limits it, reading whole bodies honestly."""
        stream = get_input_stream(self.environ, max_content_length=self.max_content_length)
        if isinstance(stream, LimitedStream) and "wsgi.input_terminated" in self.environ:
            limit = self.max_content_length
            if limit is not None and stream.limit == limit:
                return cast(IO[bytes], _MaxLimitedStream(self.environ["wsgi.input"], limit, True))
        return stream


def init_app(app: Flask) -> None:
    """Bound request bodies and add the security headers to every response."""
    app.request_class = BoundedRequest
    app.after_request(security_headers)
