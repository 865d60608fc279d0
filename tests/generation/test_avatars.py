"""The avatar route: deterministic SVGs, cacheable, 404 for unknown styles and bad options."""

from __future__ import annotations

import pytest

from avatar_data_generator import tasks
from avatar_data_generator.avatars import (
    DEFAULT_STYLE,
    MAX_SEED_LENGTH,
    available_styles,
    render_svg,
    style_license,
)
from avatar_data_generator.generation import avatar_look
from avatar_data_generator.generation.identity import avatar_for
from avatar_data_generator.workers.task_processor import process_single_task
from tests.conftest import AppFactory

PERSONA = {
    "first_name": "Ingrid",
    "last_name": "Larsen",
    "gender": "female",
    "sex": "female",
    "age": 71,
    "date_of_birth": "1954-03-02",
    "username": "ingrid_larsen1954",
    "country_code": "NO",
}


def test_default_style_is_cc0_with_faces(make_app: AppFactory, sqlite_url: str) -> None:
    assert DEFAULT_STYLE == "open-peeps" and DEFAULT_STYLE in avatar_look.LOOKS
    assert make_app(sqlite_url).config["AVATAR_STYLE"] == DEFAULT_STYLE
    for style in (*avatar_look.LOOKS, "thumbs"):
        assert style in available_styles()
        assert style_license(style) == "CC0 1.0", style


def test_svg_is_deterministic_and_cacheable(make_app: AppFactory, sqlite_url: str) -> None:
    client = make_app(sqlite_url).test_client()
    first = client.get("/avatars/thumbs/abc123.svg")
    assert first.status_code == 200
    assert first.mimetype == "image/svg+xml"
    assert first.data.startswith(b"<svg")
    assert "max-age=" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = client.get("/avatars/thumbs/abc123.svg")
    assert again.data == first.data
    other = client.get("/avatars/thumbs/other.svg")
    assert other.data != first.data
    cached = client.get(
        "/avatars/thumbs/abc123.svg", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert cached.status_code == 304
    assert client.get("/avatars/no-such-style/abc.svg").status_code == 404
    assert client.get("/avatars/thumbs/" + "a" * 500 + ".svg").status_code == 404


def test_persona_avatar_is_a_pure_function(make_app: AppFactory, sqlite_url: str) -> None:
    avatar = avatar_for(DEFAULT_STYLE, PERSONA)
    assert avatar == avatar_for(DEFAULT_STYLE, dict(PERSONA))
    assert avatar["url"] == f"/avatars/{avatar['style']}/{avatar['seed']}.svg"
    base, options = avatar_look.decode(DEFAULT_STYLE, avatar["seed"]) or ("", {})
    assert len(base) == 16 and set(options) == set(avatar_look.keys_for(DEFAULT_STYLE))
    client = make_app(sqlite_url).test_client()
    first, again = client.get(avatar["url"]), client.get(avatar["url"])
    assert first.status_code == 200 and first.data == again.data
    assert first.data.decode() == render_svg(DEFAULT_STYLE, avatar["seed"])
    assert first.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    assert client.get(avatar["url"], headers={"If-None-Match": etag}).status_code == 304
    # The options in the seed are what is drawn: the skin and hair colours are in the SVG.
    assert f"#{options['s']}".encode() in first.data
    assert f"#{options['c']}".encode() in first.data
    someone_else = avatar_for(DEFAULT_STYLE, {**PERSONA, "username": "ingrid_l2"})
    assert client.get(someone_else["url"]).data != first.data


def test_options_change_the_picture() -> None:
    base = "0123456789abcdef"
    plain = {"h": "short1", "c": "2c1b18", "f": "0", "g": "0", "s": "ffdbb4", "e": "calm"}
    plain["b"] = "d1d4f9"
    svg = render_svg(DEFAULT_STYLE, avatar_look.encode(base, plain))
    for key, value in (("f", "full"), ("g", "glasses"), ("h", "long"), ("e", "smile")):
        changed = render_svg(DEFAULT_STYLE, avatar_look.encode(base, {**plain, key: value}))
        assert changed != svg, key


GOOD = avatar_for(DEFAULT_STYLE, PERSONA)["seed"]
BASE, _, TOKENS = GOOD.partition("_")
PARTS = dict(token.split("-", 1) for token in TOKENS.split("_"))


def _with(key: str, value: str) -> str:
    """GOOD with one option's value replaced."""
    return avatar_look.encode(BASE, {**PARTS, key: value})


@pytest.mark.parametrize(
    "seed",
    [
        GOOD.replace("_h-", "_x-"),  # unknown key
        _with("h", "nope"),  # unknown variant
        _with("f", "bun"),  # a hairstyle where facial hair goes
        _with("g", ""),  # empty value
        _with("b", "zzzzzz"),  # not a colour
        _with("s", PARTS["s"].upper()),  # not lowercase hex
        _with("c", "#" + PARTS["c"]),
        _with("s", "a" * 90),  # oversized
        _with("h", "x" * 300),  # oversized
        GOOD + "_h-long",  # a key twice
        GOOD.rsplit("_", 1)[0],  # a key missing
        "_".join([BASE, *reversed(TOKENS.split("_"))]),  # out of order
        GOOD + "_",  # an empty token
        BASE + "!_" + TOKENS,  # a base that is not alphanumeric
        "_" + TOKENS,  # no base
        "%3Cscript%3E_h-long",
    ],
)
def test_route_refuses_bad_options(make_app: AppFactory, sqlite_url: str, seed: str) -> None:
    assert avatar_look.decode(DEFAULT_STYLE, GOOD) is not None
    assert avatar_look.decode(DEFAULT_STYLE, seed) is None
    client = make_app(sqlite_url).test_client()
    assert client.get(f"/avatars/{DEFAULT_STYLE}/{seed}.svg").status_code == 404


def test_style_without_the_components_uses_the_seed_alone(
    make_app: AppFactory, sqlite_url: str
) -> None:
    avatar = avatar_for("thumbs", PERSONA)
    assert len(avatar["seed"]) == 16 and "_" not in avatar["seed"]
    client = make_app(sqlite_url).test_client()
    response = client.get(avatar["url"])
    assert response.status_code == 200 and response.data.startswith(b"<svg")
    # Options mean nothing to a style without a look: refused, not ignored.
    assert client.get(f"/avatars/thumbs/{GOOD}.svg").status_code == 404
    # A look style still draws a bare seed (DiceBear's defaults), as before.
    assert client.get(f"/avatars/{DEFAULT_STYLE}/abc123.svg").status_code == 200


def test_every_seed_fits_the_route() -> None:
    """The longest seed any choice can make is within the route's limit."""
    for style, look in avatar_look.LOOKS.items():
        longest = {
            "h": max((*look.long, *look.short, *look.bald), key=len),
            "c": "ffffff",
            "f": max(look.beards, key=len),
            "g": max(look.glasses_variants, key=len),
            "s": "ffffff",
            "e": max(look.expressions or ("x",), key=len),
            "b": "ffffff",
        }
        keys = avatar_look.keys_for(style)
        seed = avatar_look.encode("f" * 16, {k: longest[k] for k in keys})
        assert len(seed) <= MAX_SEED_LENGTH, (style, len(seed))


@pytest.mark.parametrize("style", ["thumbs", DEFAULT_STYLE])
def test_persona_avatar_urls_resolve(make_app: AppFactory, pg_url: str, style: str) -> None:
    app = make_app(pg_url, AVATAR_STYLE=style)
    with app.app_context():
        task, _ = tasks.create_task(count=3, provider="local", seed=1)
        assert process_single_task(app)
        personas = list(tasks.iter_personas(task.task_id))
    client = app.test_client()
    for persona in personas:
        assert persona["avatar"]["style"] == style
        response = client.get(persona["avatar"]["url"])
        assert response.status_code == 200 and response.data.startswith(b"<svg")
