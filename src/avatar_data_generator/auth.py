"""Sign-in: sessions, login throttling, bearer tokens, CSRF (headers and bodies: request_safety).

* Pages use Flask-Login sessions; an anonymous visitor is sent to `/login`. A session's
  identifier carries the user's id, their session epoch and when it was issued: raising the
  epoch (logout, a password change, "log out everywhere") ends every session and remember-me
  cookie of that user on every process, and nothing issued more than SESSION_LIFETIME ago is
  accepted, whatever the cookie's own expiry says.
* The JSON API accepts the session or `Authorization: Bearer <token>`. A bearer call needs no
  CSRF token (a browser never adds that header on its own); a session call that writes does
  (`X-CSRFToken` header, or the `csrf_token` form field on pages).
* Every login attempt is recorded in `login_attempts` before the password is checked, so the
  throttle holds across threads and processes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple, TypeVar

from flask import Flask, abort, current_app, g, request
from flask import has_request_context as in_request
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFProtect

from avatar_data_generator import accounts
from avatar_data_generator.db import begin_write, db, utcnow
from avatar_data_generator.models import User
from avatar_data_generator.queue import account_rows

login_manager = LoginManager()
csrf = CSRFProtect()

#: Login attempts allowed per username and address within THROTTLE_WINDOW.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)
#: A session or remember-me cookie is refused this long after its login.
SESSION_LIFETIME = timedelta(days=30)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: API paths anyone may read.
PUBLIC_API_PATHS = frozenset({"/api/openapi.json"})

F = TypeVar("F", bound=Callable[..., Any])


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


def client_address() -> str:
    """The client's address as the WSGI server saw it (put ProxyFix in front of a proxy)."""
    return request.remote_addr or "unknown"


# ---------------------------------------------------------------- sessions


def clock() -> float:
    """Seconds since the epoch (a seam for tests of expiry)."""
    return time.time()


def session_identifier(user: User) -> str:
    """`id:epoch:issued` for Flask-Login; `issued` is the login time of the session served."""
    issued = g.get("adg_session_issued") if in_request() else None
    if issued is None:
        issued = int(clock())
    return f"{user.id}:{user.session_epoch}:{issued}"


def start_session() -> None:
    """Stamp the session about to be logged in (login_user next) with the current time."""
    g.adg_session_issued = int(clock())


@login_manager.user_loader
def _load_user(identifier: str) -> User | None:
    """The user of a session identifier, if its epoch is current and it is not too old."""
    try:
        user_id, epoch, issued = (int(part) for part in identifier.split(":"))
    except (AttributeError, TypeError, ValueError):
        return None  # malformed, or an identifier from before session epochs
    age = clock() - issued
    if age > SESSION_LIFETIME.total_seconds() or age < -300:
        return None
    user = account_rows.user_by_id(db.session, user_id)
    if user is None or user.session_epoch != epoch:
        return None
    g.adg_session_issued = issued
    return user


def is_admin() -> bool:
    """Whether the current user is an admin."""
    return bool(current_user.is_authenticated and current_user.is_admin)


def admin_required(view: F) -> F:
    """Pages for admins only: log in first, then 403 for everyone else."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_admin():
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapper)


# ---------------------------------------------------------------- login throttling


class LoginResult(NamedTuple):
    """The outcome of a login attempt."""

    user: User | None
    throttled: bool


def throttle_key(username: str) -> str:
    """The throttling key of a login attempt: username and address."""
    return f"{username.strip().lower()[:80]}|{client_address()}"[:200]


def _recent_attempts(key: str) -> int:
    """Attempts with this key within THROTTLE_WINDOW."""
    return account_rows.count_attempts(db.session, key, utcnow() - THROTTLE_WINDOW)


def _admit_attempt(key: str) -> bool:
    """Record an attempt; False if the key is over the limit.

    Attempts of one key take turns (`lock_attempts`), each counting those committed before it:
    of N parallel attempts exactly THROTTLE_LIMIT reach the password check. Counting after the
    commit instead let 40 parallel attempts all see more than the limit, and none was checked.
    """
    begin_write()
    account_rows.lock_attempts(db.session, key)
    if _recent_attempts(key) >= THROTTLE_LIMIT:
        db.session.rollback()
        return False  # already over: nothing new to record
    account_rows.insert_attempt(db.session, key, utcnow())
    # SKIP LOCKED: parallel logins never wait on (or deadlock over) each other's clean-up.
    old_ids = account_rows.old_attempt_ids(db.session, utcnow() - 4 * THROTTLE_WINDOW, 500)
    if old_ids:
        account_rows.delete_attempts(db.session, old_ids)
    db.session.commit()
    return True


def attempt_login(username: str, password: str) -> LoginResult:
    """Throttle, then check the password; a success forgives the key's earlier attempts."""
    key = throttle_key(username)
    if not _admit_attempt(key):
        return LoginResult(None, True)
    user = accounts.authenticate(username, password) if username and password else None
    if user is not None:
        begin_write()
        account_rows.forget_attempts(db.session, key)
        account_rows.record_login(db.session, user.id, utcnow())
        db.session.commit()
    return LoginResult(user, False)


# ---------------------------------------------------------------- request guard


def _api_guard() -> None:
    """Authenticate API calls and apply CSRF to session writes."""
    if request.path in PUBLIC_API_PATHS:
        return
    token = bearer_token()
    if token is not None:
        user = accounts.user_for_token(token) if token and "\x00" not in token else None
        if user is None:
            raise ApiAuthError("invalid or revoked API token")
        g.adg_bearer_user = user
        login_manager._update_request_context_with_user(user)
        return
    if not current_user.is_authenticated:
        raise ApiAuthError("log in or send Authorization: Bearer <token>")
    _check_csrf()


def _check_csrf() -> None:
    """CSRF on every write, unless CSRF is switched off (tests)."""
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect()


def _before_request() -> None:
    """The API's guard under /api, CSRF on pages."""
    if is_api_path():
        _api_guard()
    else:
        _check_csrf()


def init_app(app: Flask) -> None:
    """Register the login manager, CSRF and the API guard."""
    cfg = app.config
    cfg.setdefault("SESSION_COOKIE_HTTPONLY", True)
    cfg["SESSION_COOKIE_SAMESITE"] = cfg.get("SESSION_COOKIE_SAMESITE") or "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = bool(cfg.get("SESSION_COOKIE_SECURE"))
    cfg.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    cfg.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    cfg["REMEMBER_COOKIE_DURATION"] = cfg.get("REMEMBER_COOKIE_DURATION") or SESSION_LIFETIME
    # CSRF is checked by _before_request, so bearer API calls can skip it.
    cfg["WTF_CSRF_CHECK_DEFAULT"] = False
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)
    cfg.setdefault("WTF_CSRF_SSL_STRICT", True)

    login_manager.login_view = "sign_in.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_before_request)
