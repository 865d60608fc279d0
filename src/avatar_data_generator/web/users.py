"""Users, for admins: list, create, make or unmake admin, reset a password, log out everywhere."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from avatar_data_generator import accounts
from avatar_data_generator.auth import admin_required
from avatar_data_generator.db import db
from avatar_data_generator.models import User
from avatar_data_generator.queue import account_rows
from avatar_data_generator.web import errors

bp = Blueprint("users", __name__, url_prefix="/users")
errors.register(bp)


def _page(
    problems: dict[str, str] | None = None, values: dict[str, Any] | None = None
) -> tuple[str, int]:
    """The users page, with the problems of a refused form beside their fields."""
    return (
        render_template(
            "users.html",
            users=accounts.list_users(),
            errors=problems or {},
            values=values or {"username": "", "is_admin": False},
        ),
        200,
    )


def _user_or_404(user_id: int) -> User:
    """The user, or a 404 page."""
    user = account_rows.user_by_id(db.session, user_id)
    if user is None:
        abort(404)
    return user


def _ended_own_sessions(user_id: int) -> Response | None:
    """An admin who ended their own sessions is logged out here too."""
    if user_id != int(current_user.id):
        return None
    logout_user()
    flash("Your sessions ended; log in again.", "info")
    return redirect(url_for("sign_in.login"))


@bp.get("")
@admin_required
def index() -> Any:
    """Every account with its role, creation and last login."""
    return _page()


@bp.post("")
@admin_required
def create() -> Any:
    """Create an account."""
    form = request.form
    username = form.get("username", "").strip()
    make_admin = form.get("is_admin") == "on"
    values = {"username": username, "is_admin": make_admin}
    problems: dict[str, str] = {}
    if form.get("password", "") != form.get("confirm_password", ""):
        problems["confirm_password"] = "The two passwords differ"
    else:
        try:
            accounts.create_user(username, form.get("password", ""), is_admin=make_admin)
        except accounts.AccountError as exc:
            problems[exc.field or "username"] = errors.sentence(str(exc))
    if problems:
        return _page(problems, values)
    flash(f"User {username} created.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/admin")
@admin_required
def set_admin(user_id: int) -> Any:
    """Make or unmake an admin (never the last one)."""
    user = _user_or_404(user_id)
    make = request.form.get("is_admin") == "on"
    try:
        accounts.set_admin(user.id, make)
    except accounts.AccountError as exc:
        return _page({f"admin-{user_id}": errors.sentence(str(exc))})
    flash(f"{user.username} is {'now an admin' if make else 'no longer an admin'}.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/password")
@admin_required
def reset_password(user_id: int) -> Any:
    """Set someone's password; every session of theirs ends."""
    user = _user_or_404(user_id)
    name = user.username
    try:
        accounts.reset_password(user.id, request.form.get("password", ""))
    except accounts.AccountError as exc:
        return _page({f"password-{user_id}": errors.sentence(str(exc))})
    flash(f"Password of {name} changed; their sessions were logged out.", "success")
    return _ended_own_sessions(user_id) or redirect(url_for("users.index"))


@bp.post("/<int:user_id>/logout")
@admin_required
def logout_everywhere(user_id: int) -> Any:
    """End every session of a user."""
    user = _user_or_404(user_id)
    name = user.username
    accounts.end_sessions(user.id)
    flash(f"{name} is logged out everywhere.", "success")
    return _ended_own_sessions(user_id) or redirect(url_for("users.index"))
