"""Signing in and out: the login form (throttled), logout, and the home page that picks one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from avatar_data_generator import accounts, auth
from avatar_data_generator.web import errors

bp = Blueprint("sign_in", __name__)
errors.register(bp)

INVALID = "Invalid username or password."
THROTTLED = "Too many failed attempts. Wait 15 minutes and try again."


def _safe_next(target: str | None) -> str:
    """Only same-site paths may be redirected to after logging in."""
    if not target:
        return url_for("tasks.generate")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("tasks.generate")
    if "\\" in target or "\x00" in target:
        return url_for("tasks.generate")
    return target


@bp.route("/")
def home() -> Response:
    """Home: the task list, or the login."""
    if not current_user.is_authenticated:
        return redirect(url_for("sign_in.login"))
    return redirect(url_for("tasks.index"))


def _attempt(username: str, password: str, next_url: str) -> tuple[Response | None, str, int]:
    """Check one login: (a redirect on success, else None; the error to show; its status)."""
    if "\x00" in username or "\x00" in password:
        return None, INVALID, 400
    result = auth.attempt_login(username, password)
    if result.throttled:
        return None, THROTTLED, 429
    if result.user is None:
        return None, INVALID, 200
    auth.start_session()
    login_user(result.user, remember=request.form.get("remember") == "on")
    return redirect(next_url), "", 200


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """One small centred form; failures are throttled per username and address."""
    next_url = _safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    error, username, status = None, "", 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:80]
        done, error, status = _attempt(username, request.form.get("password", ""), next_url)
        if done is not None:
            return done
    page = render_template("login.html", error=error, username=username, next=next_url)
    return page, status


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """Log out (POST from the top bar; GET shows a confirmation button)."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("sign_in.login"))
        return render_template("logout.html")
    if current_user.is_authenticated:
        # Every session of this user ends, copies of this cookie and remember-me included.
        accounts.end_sessions(int(current_user.id))
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("sign_in.login"))
