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

Tables: `odds` (facts -> probabilities) and `styles` (style -> components); `choose` picks the
options, `seeds` writes and reads them.
"""

from __future__ import annotations

from avatar_data_generator.generation.avatar_look.choose import choose, presentation
from avatar_data_generator.generation.avatar_look.odds import (
    GLASSES_BY_AGE,
    GREY_BY_AGE,
    PRESENTATIONS,
    ramp,
)
from avatar_data_generator.generation.avatar_look.seeds import (
    decode,
    describe,
    dicebear_options,
    encode,
)
from avatar_data_generator.generation.avatar_look.styles import (
    KEYS,
    LOOKS,
    NONE,
    Look,
    keys_for,
    style_palette,
    style_variants,
)

__all__ = [
    "GLASSES_BY_AGE",
    "GREY_BY_AGE",
    "KEYS",
    "LOOKS",
    "NONE",
    "PRESENTATIONS",
    "Look",
    "choose",
    "decode",
    "describe",
    "dicebear_options",
    "encode",
    "keys_for",
    "presentation",
    "ramp",
    "style_palette",
    "style_variants",
]
