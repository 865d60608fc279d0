"""Error pages shared by the page blueprints: not found, not allowed, form expired, no database."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError


def sentence(text: str) -> str:
    """A message with its first letter upper-case (and the rest, usernames included, kept)."""
    return text[:1].upper() + text[1:]


def page(status: int, title: str, message: str) -> tuple[str, int]:
    """An error inside the app's frame."""
    return render_template("error.html", title=title, message=message), status


def not_found(_error: Exception) -> tuple[str, int]:
    """A page that does not exist."""
    return page(
        404,
        "Not found",
        "There is nothing here. The task may have been deleted, or the link is wrong.",
    )


def forbidden(error: Exception) -> tuple[str, int]:
    """Someone tried what their account may not do."""
    description = getattr(error, "description", None)
    default = "Your account may not do this. Ask an admin if you need it done."
    message = description if isinstance(description, str) and "<" not in description else default
    if message.startswith("You don't have the permission"):  # werkzeug's default text
        message = default
    return page(403, "Not allowed", message)


def csrf_failed(_error: Exception) -> tuple[str, int]:
    """A form that lost its CSRF token (e.g. an old tab): explain, do not crash."""
    return page(
        400,
        "Form expired",
        "This form is out of date. Go back, reload the page and submit it again.",
    )


def unavailable_page(headers: dict[str, str]) -> Response:
    """503: the database did not answer. Renders without touching the database."""
    retry_url = request.full_path.rstrip("?") if request.method == "GET" else "/"
    html = render_template("unavailable.html", retry_url=retry_url)
    response = make_response(html, 503)
    for key, value in headers.items():
        response.headers[key] = value
    return response


def register(bp: Blueprint) -> None:
    """Give a page blueprint the shared error pages."""
    handlers: list[tuple[Any, Any]] = [
        (404, not_found),
        (403, forbidden),
        (CSRFError, csrf_failed),
    ]
    for key, handler in handlers:
        bp.register_error_handler(key, handler)
