"""The style -> components table: which variant of which DiceBear component draws each fact,
and the token keys a style's seeds carry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

#: Token keys in the order they appear in a seed. h: hairstyle, c: hair colour, f: facial hair,
#: g: glasses, s: skin, e: expression (mouth), b: background.
KEYS = ("h", "c", "f", "g", "s", "e", "b")
#: The value of f and g for "none".
NONE = "0"


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
