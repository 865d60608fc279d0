"""Choosing a persona's avatar options from its facts and a hash of who it is."""

from __future__ import annotations

import hashlib
from typing import Any

from avatar_data_generator.generation.avatar_look.odds import (
    BACKGROUNDS,
    GLASSES_BY_AGE,
    GREY_BY_AGE,
    OLD_FACE,
    PRESENTATIONS,
    ramp,
)
from avatar_data_generator.generation.avatar_look.styles import (
    LOOKS,
    NONE,
    Look,
    keys_for,
    style_palette,
)


class _Draws:
    """Independent uniform numbers in [0, 1), one per label, from a hash of who the persona is."""

    def __init__(self, base: str) -> None:
        self._base = base

    def unit(self, label: str) -> float:
        digest = hashlib.blake2b(f"{self._base}|{label}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def chance(self, label: str, p: float) -> bool:
        return self.unit(label) < p

    def pick(self, label: str, values: tuple[str, ...]) -> str:
        return values[int(self.unit(label) * len(values))]

    def weighted(self, label: str, values: tuple[tuple[str, float], ...]) -> str:
        point = self.unit(label) * sum(w for _, w in values)
        for value, weight in values:
            point -= weight
            if point < 0:
                return value
        return values[-1][0]


def presentation(persona: dict[str, Any]) -> str:
    """female, male or mixed: the gender if it is female or male, else the sex, else mixed.

    A non-binary persona gets the mix whatever its sex.
    """
    gender = persona.get("gender")
    if gender in ("female", "male"):
        return str(gender)
    if gender is None and persona.get("sex") in ("female", "male"):
        return str(persona["sex"])
    return "mixed"


def _age(persona: dict[str, Any]) -> int:
    try:
        return int(persona.get("age") or 40)
    except (TypeError, ValueError):
        return 40


def _hair(look: Look, who: str, age: int, draws: _Draws) -> tuple[str, bool]:
    """A hairstyle and whether it shows grey."""
    odds = PRESENTATIONS[who]
    if draws.chance("long", ramp(odds.long, age)):
        group = look.men_long if who == "male" else look.long
    elif look.bald and draws.chance("bald", ramp(odds.bald, age)):
        group = look.bald
    else:
        group = look.women_short if who == "female" else look.short
    if draws.chance("grey", ramp(GREY_BY_AGE, age)):
        shows = group if look.grey is None else tuple(v for v in group if v in look.grey)
        if shows:
            return draws.pick("hairstyle", shows), True
    if look.hair_color is None and look.grey:  # styles that draw grey hair: not for the others
        group = tuple(v for v in group if v not in look.grey) or group
    return draws.pick("hairstyle", group), False


def _beard(look: Look, who: str, age: int, grey: bool, draws: _Draws) -> str:
    if not draws.chance("beard", ramp(PRESENTATIONS[who].beard, age)):
        return NONE
    pool = look.beards
    if grey and look.grey_beards:  # a grey man's beard is grey too, where the style can draw it
        pool = look.grey_beards
    return draws.pick("beard-style", pool)


def choose(style: str, persona: dict[str, Any], base: str) -> dict[str, str] | None:
    """The options of one persona's avatar, by token key; None for a style without a look.

    `base` is a hash of who the persona is; every draw is a further hash of it, one per choice,
    so the choices are independent of each other and of everything but the facts they follow.
    """
    look = LOOKS.get(style)
    if look is None:
        return None
    draws = _Draws(base)
    age = _age(persona)
    who = presentation(persona)
    hairstyle, grey = _hair(look, who, age, draws)
    options = {"h": hairstyle}
    if look.hair_color:
        options["c"] = (
            draws.pick("grey-shade", look.greys) if grey else draws.weighted("colour", look.natural)
        )
    options["f"] = _beard(look, who, age, grey, draws)
    wears = draws.chance("glasses", ramp(GLASSES_BY_AGE, age))
    options["g"] = draws.pick("glasses-style", look.glasses_variants) if wears else NONE
    if look.skin_color:
        options["s"] = draws.pick("skin", style_palette(style, look.skin_color))
    if look.expression:
        faces = look.closed_mouths if options["f"] != NONE and look.closed_mouths else None
        if look.old_face and draws.chance("old-face", ramp(OLD_FACE, age)):
            faces = look.old_face
        options["e"] = draws.pick("expression", faces or look.expressions)
    options["b"] = draws.pick("background", BACKGROUNDS)
    return {k: options[k] for k in keys_for(style)}
