"""Sign-in and request safety: sessions, login throttling, bearer tokens, CSRF, headers.

* Pages use Flask-Login sessions; an anonymous visitor is sent to `/login`.
* The JSON API accepts the session or `Authorization: Bearer <token>`. A bearer call needs no
  CSRF token (a browser never adds that header on its own); a session call that writes does
  (`X-CSRFToken` header, or the `csrf_token` form field on pages).
* Failed logins are recorded in `login_attempts`, so throttling holds across processes.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, g, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import delete, func, select

from avatar_data_generator.db import db, utcnow
from avatar_data_generator.models import LoginAttempt, User

login_manager = LoginManager()
csrf = CSRFProtect()

#: Failed logins allowed per username and address within THROTTLE_WINDOW.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: API paths anyone may read.
PUBLIC_API_PATHS = frozenset({"/api/openapi.json"})

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


class ApiAuthError(Exception):
    """An API call without valid credentials (401)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_api_path(path: str | None = None) -> bool:
    """Whether a path belongs to the JSON API."""
    path = request.path if path is None else path
    return path == "/api" or path.startswith("/api/")


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, '' when the header is malformed."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def via_bearer() -> bool:
    """Whether this request was authenticated with a bearer token."""
    return bool(g.get("adg_bearer_user"))


def client_address() -> str:
    """The client's address as the WSGI server saw it (put ProxyFix in front of a proxy)."""
    return request.remote_addr or "unknown"


def throttle_key(username: str) -> str:
    """The throttling key of a login attempt: username and address."""
    return f"{username.strip().lower()[:80]}|{client_address()}"[:200]


def login_throttled(username: str) -> bool:
    """Whether too many recent failures block another try."""
    since = utcnow() - THROTTLE_WINDOW
    failures = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == throttle_key(username), LoginAttempt.attempted_at > since)
    )
    return int(failures or 0) >= THROTTLE_LIMIT


def record_login_failure(username: str) -> None:
    """Remember a failed login (and forget very old ones)."""
    db.session.add(LoginAttempt(key=throttle_key(username), attempted_at=utcnow()))
    db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - 4 * THROTTLE_WINDOW)
    )
    db.session.commit()


def clear_login_failures(username: str) -> None:
    """A successful login forgives earlier failures for that username and address."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == throttle_key(username)))
    db.session.commit()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def _api_guard() -> None:
    """Authenticate API calls and apply CSRF to session writes."""
    if request.path in PUBLIC_API_PATHS:
        return
    token = bearer_token()
    if token is not None:
        from avatar_data_generator.accounts import user_for_token

        user = user_for_token(token) if token and "\x00" not in token else None
        if user is None:
            raise ApiAuthError("invalid or revoked API token")
        g.adg_bearer_user = user
        login_manager._update_request_context_with_user(user)
        return
    if not current_user.is_authenticated:
        raise ApiAuthError("log in or send Authorization: Bearer <token>")
    _check_csrf()


def _check_csrf() -> None:
    from flask import current_app

    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect()


def _before_request() -> None:
    if is_api_path():
        _api_guard()
    else:
        _check_csrf()


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if (
        current_user
        and current_user.is_authenticated
        and not request.path.startswith(("/static/", "/avatars/"))
    ):
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Register the login manager, CSRF, the API guard and the security headers."""
    cfg = app.config
    cfg.setdefault("SESSION_COOKIE_HTTPONLY", True)
    cfg["SESSION_COOKIE_SAMESITE"] = cfg.get("SESSION_COOKIE_SAMESITE") or "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = bool(cfg.get("SESSION_COOKIE_SECURE"))
    cfg.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    cfg.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    cfg["REMEMBER_COOKIE_DURATION"] = cfg.get("REMEMBER_COOKIE_DURATION") or timedelta(days=14)
    # CSRF is checked by _before_request, so bearer API calls can skip it.
    cfg["WTF_CSRF_CHECK_DEFAULT"] = False
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)
    cfg.setdefault("WTF_CSRF_SSL_STRICT", True)

    login_manager.login_view = "web.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_before_request)
    app.after_request(_security_headers)
