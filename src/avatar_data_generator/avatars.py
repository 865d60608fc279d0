"""Avatars: deterministic SVGs drawn offline by DiceBear from (style, seed), cached, no login.

A seed is a hash of who the persona is, optionally followed by the options chosen from its facts
(`generation/avatar_look/`): `/avatars/open-peeps/<hash>_h-long_c-2c1b18_..._b-d1d4f9.svg`. The
route reads them strictly: a seed that is not exactly what `avatar_look.encode` writes is a 404.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

from flask import Blueprint, Flask, Response, abort, request

from avatar_data_generator.generation import avatar_look

bp = Blueprint("avatars", __name__, url_prefix="/avatars")

#: The default style: "open-peeps" is CC0 1.0 in dicebear-styles and has hairstyles, facial hair,
#: glasses and five skin tones (see docs/avatars.md).
DEFAULT_STYLE = "open-peeps"
MAX_SEED_LENGTH = 128
_STYLE_NAME = re.compile(r"^[a-z0-9-]{1,40}$")
_ONE_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=1)
def available_styles() -> frozenset[str]:
    """Style names shipped in dicebear-styles."""
    root = files("dicebear_styles")
    return frozenset(
        entry.name.removesuffix(".json") for entry in root.iterdir() if entry.name.endswith(".json")
    )


@lru_cache(maxsize=16)
def _style(name: str) -> Any:
    """A parsed DiceBear style, built once per process."""
    from dicebear import Style

    definition = json.loads(files("dicebear_styles").joinpath(f"{name}.json").read_text("utf-8"))
    return Style(definition)


def style_license(name: str) -> str | None:
    """The license name a style ships with (e.g. "CC0 1.0")."""
    return _style(name).meta().license().name() if name in available_styles() else None


@lru_cache(maxsize=4096)
def render_svg(style: str, seed: str) -> str:
    """The SVG of one avatar; the same (style, seed) always gives the same bytes.

    KeyError for an unknown style, ValueError for a seed whose options do not read.
    """
    if style not in available_styles():
        raise KeyError(style)
    decoded = avatar_look.decode(style, seed)
    if decoded is None:
        raise ValueError(seed)
    from dicebear import Avatar

    options = avatar_look.dicebear_options(style, *decoded)
    return str(Avatar(_style(style), options).to_string())


def avatar_url(style: str, seed: str) -> str:
    """Where the app serves an avatar."""
    return f"/avatars/{style}/{seed}.svg"


@bp.get("/<style>/<seed>.svg")
def avatar(style: str, seed: str) -> Response:
    """Serve one avatar, cacheable for a year (it never changes)."""
    if not _STYLE_NAME.match(style) or style not in available_styles():
        abort(404)
    if not seed or len(seed) > MAX_SEED_LENGTH or avatar_look.decode(style, seed) is None:
        abort(404)
    try:
        svg = render_svg(style, seed)
    except Exception:  # a seed DiceBear cannot draw is not found, never a 500
        abort(404)
    etag = hashlib.sha256(svg.encode()).hexdigest()[:32]
    response = Response(svg, mimetype="image/svg+xml")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = _ONE_YEAR
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    """Register the avatar route; warn early if AVATAR_STYLE is not a known style."""
    app.register_blueprint(bp)
    style = str(app.config.get("AVATAR_STYLE") or DEFAULT_STYLE)
    if style not in available_styles():
        app.logger.warning(
            "AVATAR_STYLE %r is not a DiceBear style; avatars will 404. Known: %s",
            style,
            ", ".join(sorted(available_styles())),
        )
