"""One's own account: change the password, API tokens, log out everywhere."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from avatar_data_generator import accounts, auth
from avatar_data_generator.db import db
from avatar_data_generator.queue import account_rows
from avatar_data_generator.web import errors

bp = Blueprint("account", __name__, url_prefix="/account")
errors.register(bp)


def _page(
    errors_: dict[str, str] | None = None,
    new_token: str | None = None,
    token_name: str = "",
    status: int = 200,
) -> tuple[str, int]:
    """The account page: problems beside their fields, a new token shown once."""
    user_id = int(current_user.id)
    return (
        render_template(
            "account.html",
            errors=errors_ or {},
            tokens=accounts.list_tokens(user_id),
            new_token=new_token,
            token_name=token_name,
        ),
        status,
    )


@bp.get("")
@login_required
def index() -> Any:
    """Password, tokens and sessions of the logged-in user."""
    return _page()


@bp.post("/password")
@login_required
def change_password() -> Any:
    """Change one's own password; every other session ends, this one goes on."""
    form = request.form
    current, new, confirm = (
        form.get("current_password", ""),
        form.get("new_password", ""),
        form.get("confirm_password", ""),
    )
    problems: dict[str, str] = {}
    if not current:
        problems["current_password"] = "Enter your current password"
    if new != confirm:
        problems["confirm_password"] = "The two new passwords differ"
    if not problems:
        user_id = int(current_user.id)
        try:
            accounts.change_password(user_id, current, new)
        except accounts.AccountError as exc:
            problems[exc.field or "new_password"] = errors.sentence(str(exc))
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            user = account_rows.user_by_id(db.session, user_id)
            if user is not None:
                auth.start_session()
                login_user(user, remember=remembered in request.cookies)
            flash("Password changed. Every other session was logged out.", "success")
            return redirect(url_for("account.index"))
    return _page(problems)


@bp.post("/tokens")
@login_required
def create_token() -> Any:
    """Issue an API token; the page shows it once."""
    name = request.form.get("name", "").strip()
    try:
        token = accounts.create_token(str(current_user.username), name)
    except accounts.AccountError as exc:
        return _page({"name": errors.sentence(str(exc))}, token_name=name)
    return _page(new_token=token, token_name=name)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    """Revoke one of one's own tokens."""
    if not accounts.revoke_token(int(current_user.id), token_id):
        abort(404)
    flash("Token revoked. Calls with it now get 401.", "info")
    return redirect(url_for("account.index"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """End every session of this user, on every device, this one included."""
    accounts.end_sessions(int(current_user.id))
    logout_user()
    flash("You are logged out everywhere. API tokens still work; revoke them separately.", "info")
    return redirect(url_for("sign_in.login"))
