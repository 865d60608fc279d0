"""Which DiceBear options a persona's avatar gets: chosen from the facts, carried in the seed.

An avatar stays a pure function of the persona. `choose` turns the facts (sex or gender, age) and
a hash of who the persona is into a few options; `encode` writes them into the seed, so the URL
stored with the persona says everything needed to draw it:

    /avatars/open-peeps/9f86d081884c7d65_h-grayShort_c-e8e1e1_f-full4_g-0_s-d08b5b_e-calm_b-d1d4f9.svg

The first part is the seed DiceBear draws anything not named from (clothes, eyes, nose); then one
`key-value` token per option, in the order of `KEYS`, every key of the style present, once.
`decode` accepts exactly that form and nothing else; `dicebear_options` turns it into the options
DiceBear renders. What a token means never changes once a URL has been handed out (the route tells
browsers to cache an avatar for a year): add styles and variants, never re-map a token.

Only the hair and its length, grey hair, facial hair and glasses follow the facts. Skin tone is
drawn uniformly from the style's whole palette from the hash alone: it has no link to the country,
the name or anything else the persona says (see docs/avatars.md).

A style without an entry in `LOOKS` (e.g. `thumbs`) gets no options: the seed alone, as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from itertools import pairwise
from typing import Any

#: Token keys in the order they appear in a seed. h: hairstyle, c: hair colour, f: facial hair,
#: g: glasses, s: skin, e: expression (mouth), b: background.
KEYS = ("h", "c", "f", "g", "s", "e", "b")
#: The value of f and g for "none".
NONE = "0"
#: What joins the seed and the tokens, and the key and value of a token.
SEP, KV = "_", "-"
_BASE = re.compile(r"^[A-Za-z0-9]{1,40}$")
_VARIANT = re.compile(r"^[A-Za-z0-9]{1,24}$")
_HEX = re.compile(r"^[0-9a-f]{6}$")
_COLOR_KEYS = frozenset({"c", "s", "b"})

Points = tuple[tuple[int, float], ...]


def _points(text: str) -> Points:
    """Probabilities at ages, a ramp between them: "18:0 30:0.02" -> ((18, 0.0), (30, 0.02))."""
    return tuple((int(age), float(p)) for age, p in (t.split(":") for t in text.split()))


# ---------------------------------------------------------------------------------------------
# The facts -> probabilities table. Ages are the points of a piecewise-linear ramp.
# ---------------------------------------------------------------------------------------------

#: P(grey or white hair) by age, whatever the sex. Greying starts in the 30s, about half of people
#: are mostly grey around 60, most are by 75; a few keep their colour (or dye it) to the end.
GREY_BY_AGE: Points = _points("18:0.0 30:0.02 40:0.07 50:0.25 60:0.5 70:0.75 80:0.85 90:0.9")
#: P(glasses) by age, whatever the sex: some short-sighted young people, then reading glasses
#: from the mid 40s (presbyopia). Lower than real prevalence: many wear contacts or take their
#: glasses off for a profile picture.
GLASSES_BY_AGE: Points = _points("18:0.12 40:0.16 50:0.35 60:0.5 75:0.6 90:0.65")
#: P(facial hair) for men by age: sparse at 18, about four in ten men from 25 on.
BEARD_MEN: Points = _points("18:0.2 25:0.42 60:0.45 90:0.38")
#: P(bald) for men by age (pattern baldness: rare at 20, about a third by 70).
BALD_MEN: Points = _points("18:0.01 30:0.06 50:0.18 70:0.3 90:0.35")
#: P(old-face expression, with lines) by age, in styles that have one.
OLD_FACE: Points = _points("18:0.0 55:0.0 70:0.3 90:0.5")


@dataclass(frozen=True)
class Presentation:
    """How hair and facial hair are drawn for one presentation (female, male, mixed)."""

    #: P(long hair) by age; the rest short (or bald, below).
    long: Points
    #: P(bald) by age, taken from the short share.
    bald: Points
    #: P(facial hair) by age.
    beard: Points


#: Women: long hair four times in five when young, shorter with age (six in ten at 70); no facial
#: hair. Men: short hair mostly, one in seven long when young, fewer later; baldness and beards
#: with age. Non-binary (and a persona whose sex and gender are unknown): a real mix of the two.
PRESENTATIONS: dict[str, Presentation] = {
    "female": Presentation(
        long=_points("18:0.8 50:0.72 70:0.6 90:0.55"),
        bald=_points("18:0.0"),
        beard=_points("18:0.0"),
    ),
    "male": Presentation(long=_points("18:0.14 40:0.1 70:0.05"), bald=BALD_MEN, beard=BEARD_MEN),
    "mixed": Presentation(
        long=_points("18:0.5 90:0.4"),
        bald=_points("18:0.02 90:0.08"),
        beard=_points("18:0.08 90:0.15"),
    ),
}

#: Backgrounds behind every style that has a look (DiceBear's usual pastels); from the hash.
BACKGROUNDS = ("b6e3f4", "c0aede", "d1d4f9", "ffd5dc", "ffdfbf", "e0f0e3")


# ---------------------------------------------------------------------------------------------
# The style -> components table: which variant of which component means what.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """Which components and variants of one DiceBear style draw each fact."""

    #: The component with the hairstyles, and its variants by length.
    hair: str
    long: tuple[str, ...]
    short: tuple[str, ...]
    bald: tuple[str, ...]
    #: The short styles that read as a woman's and the long ones that read as a man's, for women
    #: with short hair and men with long hair (a non-binary persona draws from all of them).
    women_short: tuple[str, ...]
    men_long: tuple[str, ...]
    #: Variants that show grey hair: with the grey colour if the style colours hair (None: every
    #: variant does), drawn grey if it does not.
    grey: tuple[str, ...] | None
    #: The colour that colours hair (and some beards), its grey/white values, and natural colours
    #: with weights. None: the style draws hair in ink only.
    hair_color: str | None
    greys: tuple[str, ...]
    natural: tuple[tuple[str, float], ...]
    #: The facial-hair component, its variants, and those drawn in the hair colour (None: all).
    facial_hair: str
    beards: tuple[str, ...]
    grey_beards: tuple[str, ...] | None
    #: The glasses component and its clear-lens variants (no sunglasses, no eye patch).
    glasses: str
    glasses_variants: tuple[str, ...]
    #: The colour with the skin tones, or None (line art: the style has one paper colour).
    skin_color: str | None
    #: The component with mouths or expressions, the ones fit for a profile picture, and the
    #: old-face one (empty: none). None: DiceBear picks from the seed.
    expression: str | None
    expressions: tuple[str, ...]
    old_face: tuple[str, ...]
    #: The expressions with a closed mouth, for faces with facial hair (empty: any).
    closed_mouths: tuple[str, ...]
    #: Options every avatar of the style gets (components that do not fit any persona, off).
    fixed: tuple[tuple[str, Any], ...]


def _names(text: str) -> tuple[str, ...]:
    """Names: "a b c" -> ("a", "b", "c")."""
    return tuple(text.split())


def _weighted(text: str) -> tuple[tuple[str, float], ...]:
    """Weighted names: "a:3 b:1" -> (("a", 3.0), ("b", 1.0))."""
    return tuple((name, float(weight)) for name, weight in (t.split(":") for t in text.split()))


def _variants(prefix: str, numbers: str) -> tuple[str, ...]:
    """("variant", "01 02") -> ("variant01", "variant02")."""
    return tuple(f"{prefix}{n}" for n in numbers.split())


LOOKS: dict[str, Look] = {
    # Open Peeps (CC0 1.0): people with five skin tones, ten hair colours and real hairstyles.
    # Hair is drawn in ink except ten heads, which take `headContrast`: of those, bangs, grayBun,
    # grayMedium and mediumBangs2 are the long grey looks, grayShort, short4 and noHair3 (a
    # fringe) the short and bald ones. Left out: hats, hijab and turban (headwear, not a
    # hairstyle; religious dress is not for a hash to hand out), "bear" (a costume), "mohawk2"
    # (a bald head with one curl), masks, the eye patch, sunglasses, and faces that read as a
    # monster, a cyclops, fear or rage, or look like crying.
    "open-peeps": Look(
        hair="head",
        long=_names(
            "bangs bangs2 bantuKnots bun bun2 buns cornrows cornrows2 dreads1 grayBun grayMedium "
            "long longAfro longBangs longCurly medium1 medium2 medium3 mediumBangs mediumBangs2 "
            "mediumBangs3 mediumStraight"
        ),
        short=_names(
            "afro dreads2 flatTop flatTopLong grayShort mohawk pomp shaved1 shaved2 shaved3 "
            "short1 short2 short3 short4 short5 twists twists2"
        ),
        bald=_names("noHair1 noHair2 noHair3"),
        # Most short cuts here have sideburns and read as a man's: a woman's short hair is an
        # afro, a side-swept crop or a chin-length bob (the bobs are also in `long`). A man's
        # long hair is locs, braids or a long afro; the rest read as a woman's.
        women_short=_names("afro bangs bangs2 dreads2 grayMedium medium1 shaved3"),
        men_long=_names("cornrows cornrows2 dreads1 longAfro"),
        grey=_names("bangs grayBun grayMedium mediumBangs2 grayShort short4 noHair3"),
        hair_color="headContrast",
        greys=("e8e1e1", "c9c4c4"),  # the palette's white, and a silver of our own
        # Black and dark browns most often, then mid browns, auburn, blonde, red; pink is dyed.
        natural=_weighted(
            "2c1b18:3 4a312c:3 724133:2 a55728:1 b58143:1 d6b370:1 ecdcbf:0.5 c93305:0.5 f59797:0.3"
        ),
        facial_hair="facialHair",
        # moustache8 (a curled handlebar) reads as a costume.
        beards=_names(
            "chin full full2 full3 full4 goatee1 goatee2 moustache1 moustache2 moustache3 "
            "moustache4 moustache5 moustache6 moustache7 moustache9"
        ),
        grey_beards=_names("full4 moustache9"),  # the two drawn in the hair colour
        glasses="accessories",
        glasses_variants=_names("glasses glasses2 glasses3 glasses4 glasses5"),
        skin_color="skin",
        expression="expression",
        # Without heart eyes (lovingGrin), tears of laughter (smileLOL), fear, rage or monsters.
        expressions=_names(
            "awe blank calm cheeky cute driven eatingHappy explaining eyesClosed serious smile "
            "smileBig smileTeethGap solemn suspicious tired"
        ),
        old_face=("old",),
        # A moustache sits where an open mouth is drawn: bearded faces keep theirs closed.
        closed_mouths=_names("blank calm cheeky cute driven eyesClosed serious smile solemn tired"),
        fixed=(("maskProbability", 0),),
    ),
    # Lorelei (CC0 1.0): line art on white (one skin colour), hair filled with `hair`, which also
    # colours the beards. variant34 (a baby's tuft) is left out; hair accessories (flowers) off.
    "lorelei": Look(
        hair="hair",
        long=_variants(
            "variant",
            "10 13 14 15 16 17 18 19 21 23 24 26 29 30 31 32 33 35 37 38 40 41 42 45 46 48",
        ),
        short=_variants("variant", "01 02 03 04 05 06 07 08 09 11 12 20 22 27 36 39 43 44 47"),
        bald=_variants("variant", "25 28"),
        women_short=_variants("variant", "05 11 20 22 39 47"),
        men_long=_variants("variant", "10 18 29 30 41 48"),
        grey=None,
        hair_color="hair",
        greys=("a6a6a6", "c4c4c4"),  # the palette has black only: two greys of our own
        natural=_weighted("000000:4 3b2a20:1"),
        facial_hair="beard",
        beards=_variants("variant", "01 02"),
        grey_beards=None,
        glasses="glasses",
        glasses_variants=_variants("variant", "01 03 04 05"),  # 02 is sunglasses
        skin_color=None,
        expression="mouth",
        expressions=_variants("happy", " ".join(f"{n:02d}" for n in range(1, 19))),
        old_face=(),
        closed_mouths=(),
        fixed=(("hairAccessoriesProbability", 0),),
    ),
    # Notionists (CC0 1.0): black ink on white; hair cannot be coloured, so grey hair is the two
    # hairstyles drawn white (42 short, 61 a bob). No bald head: bald falls back to short. Left
    # out: the hats (hat, 14), headscarves (62, 63), mouse-ear buns (59), spikes (50, 51).
    "notionists": Look(
        hair="hair",
        long=_variants("variant", "02 04 08 10 23 28 29 30 36 37 39 41 45 46 47 48 58 61"),
        short=_variants(
            "variant",
            "01 03 05 06 07 09 11 12 13 15 16 17 18 19 20 21 22 24 25 26 27 31 32 33 34 35 38 "
            "40 42 43 44 49 52 53 54 55 56 57 60",
        ),
        bald=(),
        women_short=_variants("variant", "01 09 11 20 22 40 43 61"),  # 42 reads as a man's
        men_long=_variants("variant", "29 37 39 48 58"),
        grey=_variants("variant", "42 61"),
        hair_color=None,
        greys=(),
        natural=(),
        facial_hair="beard",
        beards=_variants("variant", "01 02 03 04 05 06 07 08 09 10 11 12"),
        grey_beards=(),
        glasses="glasses",
        glasses_variants=_variants("variant", "03 08 11"),  # the others are dark lenses
        skin_color=None,
        expression=None,
        expressions=(),
        old_face=(),
        closed_mouths=(),
        fixed=(),
    ),
}


# ---------------------------------------------------------------------------------------------
# Reading the style definitions shipped in dicebear-styles.
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _definition(style: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("dicebear_styles").joinpath(f"{style}.json").read_text("utf-8")
    )
    return data


@lru_cache(maxsize=64)
def style_variants(style: str, component: str) -> frozenset[str]:
    """Every variant of one component of a style."""
    return frozenset(_definition(style)["components"][component]["variants"])


@lru_cache(maxsize=64)
def style_palette(style: str, color: str) -> tuple[str, ...]:
    """A style's colour values for one colour name, as lowercase hex without '#'."""
    values = _definition(style)["colors"][color]["values"]
    return tuple(str(v).lstrip("#").lower() for v in values)


def keys_for(style: str) -> tuple[str, ...]:
    """The token keys a style's seeds carry, in order (empty: the style has no look)."""
    look = LOOKS.get(style)
    if look is None:
        return ()
    wanted = {"h", "f", "g", "b"}
    if look.hair_color:
        wanted.add("c")
    if look.skin_color:
        wanted.add("s")
    if look.expression:
        wanted.add("e")
    return tuple(k for k in KEYS if k in wanted)


# ---------------------------------------------------------------------------------------------
# Choosing.
# ---------------------------------------------------------------------------------------------


def ramp(points: Points, age: float) -> float:
    """The piecewise-linear value of `points` at `age` (flat before the first, after the last)."""
    if age <= points[0][0]:
        return points[0][1]
    for (a0, p0), (a1, p1) in pairwise(points):
        if age <= a1:
            return p0 + (p1 - p0) * (age - a0) / (a1 - a0)
    return points[-1][1]


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


# ---------------------------------------------------------------------------------------------
# The seed: writing, reading strictly, and rendering.
# ---------------------------------------------------------------------------------------------


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
