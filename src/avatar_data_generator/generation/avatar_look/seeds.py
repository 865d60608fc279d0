"""The seed of an avatar: written from the options, read back strictly, rendered as DiceBear
options."""

from __future__ import annotations

import re
from typing import Any

from avatar_data_generator.generation.avatar_look.styles import (
    LOOKS,
    NONE,
    Look,
    keys_for,
    style_variants,
)

#: What joins the seed and the tokens, and the key and value of a token.
SEP, KV = "_", "-"
_BASE = re.compile(r"^[A-Za-z0-9]{1,40}$")
_VARIANT = re.compile(r"^[A-Za-z0-9]{1,24}$")
_HEX = re.compile(r"^[0-9a-f]{6}$")
_COLOR_KEYS = frozenset({"c", "s", "b"})


def encode(base: str, options: dict[str, str] | None) -> str:
    """The seed of an avatar: the base alone, or the base and one token per option."""
    if not options:
        return base
    return SEP.join([base, *(f"{k}{KV}{v}" for k, v in options.items())])


def _valid(style: str, look: Look, key: str, value: str) -> bool:
    if key in _COLOR_KEYS:
        return bool(_HEX.match(value))
    if not _VARIANT.match(value):
        return False
    if key in ("f", "g") and value == NONE:
        return True
    components = {"h": look.hair, "f": look.facial_hair, "g": look.glasses, "e": look.expression}
    component = components.get(key)
    return component is not None and value in style_variants(style, component)


def decode(style: str, seed: str) -> tuple[str, dict[str, str]] | None:
    """(base, options) of a seed, or None if it is not exactly what `encode` writes.

    A seed without tokens is the base alone (any style); with tokens, the style must have a
    look, and every one of its keys must be there once, in order, with a value it knows.
    """
    base, sep, rest = seed.partition(SEP)
    if not sep:
        return seed, {}
    look = LOOKS.get(style)
    if look is None or not _BASE.match(base):
        return None
    tokens = rest.split(SEP)
    keys = keys_for(style)
    if len(tokens) != len(keys):
        return None
    options: dict[str, str] = {}
    for key, token in zip(keys, tokens, strict=True):
        name, kv, value = token.partition(KV)
        if name != key or not kv or not _valid(style, look, key, value):
            return None
        options[key] = value
    return base, options


def _component(options: dict[str, Any], component: str, variant: str) -> None:
    if variant == NONE:
        options[f"{component}Probability"] = 0
    else:
        options[f"{component}Variant"] = variant
        options[f"{component}Probability"] = 100


def dicebear_options(style: str, base: str, tokens: dict[str, str]) -> dict[str, Any]:
    """What DiceBear renders for a decoded seed (the seed alone without tokens)."""
    look = LOOKS.get(style)
    if look is None or not tokens:
        return {"seed": base}
    options: dict[str, Any] = {"seed": base, **dict(look.fixed)}
    _component(options, look.hair, tokens["h"])
    _component(options, look.facial_hair, tokens["f"])
    _component(options, look.glasses, tokens["g"])
    if look.hair_color:
        options[f"{look.hair_color}Color"] = ["#" + tokens["c"]]
    if look.skin_color:
        options[f"{look.skin_color}Color"] = ["#" + tokens["s"]]
    if look.expression:
        options[f"{look.expression}Variant"] = tokens["e"]
    options["backgroundColor"] = ["#" + tokens["b"]]
    return options


def describe(style: str, seed: str) -> dict[str, Any] | None:
    """What a seed shows, in words (for tests and checks): hair length, grey, beard, glasses."""
    decoded = decode(style, seed)
    look = LOOKS.get(style)
    if decoded is None or look is None or not decoded[1]:
        return None
    tokens = decoded[1]
    hair = tokens["h"]
    length = "long" if hair in look.long else "bald" if hair in look.bald else "short"
    shows_grey = look.grey is None or hair in look.grey
    grey = shows_grey and (not look.hair_color or tokens["c"] in look.greys)
    return {
        "hair": length,
        "grey": grey,
        "beard": tokens["f"] != NONE,
        "glasses": tokens["g"] != NONE,
        "skin": tokens.get("s"),
    }
