"""Platform recipes: which lines a bio is made of, compiled per kind of person into formats
that carry their punctuation, separators and emoji slots."""

from __future__ import annotations

from avatar_data_generator.generation.bios import decor
from avatar_data_generator.generation.bios.decor import reader_key
from avatar_data_generator.generation.bios.fitting import BAR, ENDS, LINES, SENT
from avatar_data_generator.generation.bios.lexicon import Lexicon

# The core (priority 0) stays; other lines go from the highest priority down until it fits.
Layout = tuple[int, tuple[tuple[str, int], ...]]
RECIPES: dict[str, tuple[Layout, ...]] = {
    "x": (
        (SENT, (("who", 0), ("likes", 3), ("close", 5))),
        (SENT, (("who", 0), ("trait", 4), ("likes", 3))),
        (SENT, (("say", 0), ("likes_s", 3), ("close", 5))),
        (SENT, (("hello", 6), ("say", 0), ("close", 5))),
        (BAR, (("who", 0), ("likes", 3), ("place", 4))),
        (SENT, (("who", 0), ("fam", 2), ("close", 5))),
        (SENT, (("trait", 4), ("who", 0), ("likes", 3))),
        (BAR, (("who", 0), ("trait", 4), ("close", 5))),
    ),
    "instagram": (
        (LINES, (("who", 0), ("place", 3), ("likes", 2), ("close", 5))),
        (LINES, (("hello", 6), ("who", 0), ("likes", 2))),
        (LINES, (("who", 0), ("fam", 3), ("likes", 2), ("place", 4))),
        (LINES, (("trait", 4), ("who", 0), ("place", 3))),
        (LINES, (("who", 0), ("likes", 2), ("close", 5))),
        (LINES, (("place", 3), ("who", 0), ("fam", 4), ("close", 5))),
    ),
    "tiktok": (
        (SENT, (("tt", 0),)),
        (SENT, (("tt", 0), ("close", 3))),
        (BAR, (("tt", 0), ("likes", 3))),
        (SENT, (("hello", 4), ("tt", 0))),
        (BAR, (("tt", 0), ("place", 3))),
    ),
    "linkedin": (
        (BAR, (("li", 0), ("edu", 3), ("place", 4))),
        (BAR, (("li", 0), ("exp", 2), ("place", 4))),
        (BAR, (("li", 0), ("exp", 2), ("edu", 3), ("litail", 5))),
        (BAR, (("li", 0), ("place", 3), ("litail", 4))),
        (BAR, (("li", 0), ("edu", 3), ("litail", 4))),
        (BAR, (("li", 0), ("lilikes", 4), ("place", 3))),
    ),
    "facebook": (
        (SENT, (("hello", 4), ("say", 0), ("place_s", 3), ("likes_s", 2))),
        (SENT, (("say", 0), ("fam", 2), ("likes_s", 3))),
        (SENT, (("hello", 4), ("say", 0), ("close", 5))),
        (SENT, (("say", 0), ("likes_s", 2), ("trait", 4))),
        (SENT, (("say", 0), ("place_s", 3), ("close", 5))),
    ),
}
# Hashtags per platform: (fewest, most).
TAGS = {"x": (1, 2), "instagram": (2, 3), "tiktok": (1, 3), "linkedin": (1, 2), "facebook": (0, 1)}
_STAGED = frozenset(("who", "say", "li", "tt", "litail", "lilikes"))
_TONED = frozenset(("hello", "close"))


ROLE, LIKES, FAMILY, CLOSE, STATIC = range(5)
_KIND_EMOJI = {
    "who": ROLE, "say": ROLE, "li": ROLE, "tt": ROLE, "litail": ROLE, "likes": LIKES,
    "likes_s": LIKES, "lilikes": LIKES, "fam": FAMILY, "close": CLOSE,
}  # fmt: skip
_STATIC_EMOJI = {"place_s": "place"}
#: Slots of the emoji a line may carry: the person's (role, interest, family; see person.py)
#: after ('\x01s0') or before ('\x01p0') their line, and the tone's, drawn per bio ('\x01c').
SUFFIX, PREFIX, TONE_MARK = "\x01s", "\x01p", "\x01c"
#: Slots that end a sentence whose template ends with a slot: the lexicon's end unless the
#: value has one (an empty value: unless the text before it has one, END_AFTER).
END, END_AFTER = "\x02", "\x03"

# A text compiled for writing: its literal texts at the even places and the names of its
# slots at the odd ones (('Hi, ', 'name', '!')), joined with the slots' values by `render`.
# Cheaper than a `%` format and an itemgetter, which parse the format on every call, and than
# str.format_map, which makes and hashes every slot's name anew.
Text = tuple[str, ...]
# A line as written in its place: (text, mentions, priority, emoji kind, static emoji, text
# without the emoji). Mentions stop a bio saying a thing twice; the rest serves the rare paths
# that shorten a bio or leave a line out.
Line = tuple[Text, int, int, int, str, Text]
Lines = tuple[Line, ...]
Piece = tuple[bool, str]  # (is a slot, slot name or literal text)


def pieces(template: str) -> list[Piece]:
    """A template's literal texts and slots in order ('{city}' is the slot 'city')."""
    out: list[Piece] = []
    i = 0
    while (start := template.find("{", i)) >= 0:
        end = template.find("}", start)
        if start > i:
            out.append((False, template[i:start]))
        out.append((True, template[start + 1 : end]))
        i = end + 1
    if i < len(template):
        out.append((False, template[i:]))
    return out


def compile_pieces(parts: list[Piece]) -> Text:
    """Pieces as literal texts around slot names ('' where two slots meet)."""
    out = [""]
    for slot, text in parts:
        if slot:
            out.append(text)
            out.append("")
        else:
            out[-1] += text
    return tuple(out)


def render(text: Text, slots: dict[str, str]) -> str:
    """A compiled text written with the slots' values (looked up in order)."""
    n = len(text)
    if n == 1:
        return text[0]
    out = [text[0]]
    for k in range(1, n, 2):
        out.append(slots[text[k]])
        out.append(text[k + 1])
    return "".join(out)


class Recipe:
    """One recipe and separator for one kind of person. Per emoji style (0, 1, 2): the core's
    lines, every step's lines in display order (None where the core goes) and what its emoji
    take from the length when no line is left out (per person emoji kind, static, and where the
    tone's goes: 1 after, 2 before). `size` is the product of the steps' numbers of lines, the
    core's first: one uniform below it draws them all."""

    __slots__ = ("cores", "joiner", "keys", "mode", "orders", "raw", "size", "weights")

    def __init__(
        self, mode: int, joiner: str, keys: tuple[Text, ...], cores: tuple[Lines, ...],
        orders: tuple[tuple[Lines | None, ...], ...],
        weights: tuple[tuple[int, int, int, int, int], ...], raw: tuple[tuple[str, int], ...],
    ) -> None:  # fmt: skip
        self.mode = mode
        self.joiner = joiner
        self.keys = keys  # the core templates' reader keys, compiled
        self.cores = cores
        self.orders = orders
        self.weights = weights
        self.raw = raw  # the core's templates as written in the tables
        self.size = len(keys)
        for lines in orders[0]:
            self.size *= len(lines) if lines is not None else 1


Plan = tuple[Recipe, ...]


def _category(kind: str, stage: str, tone: str, family: str | None) -> str | None:
    if kind in _STAGED:
        return f"{kind}.{stage}"
    if kind in _TONED:
        return f"{kind}.{tone}"
    if kind == "fam":
        return f"fam.{family}" if family else None
    return kind


def written(lex: Lexicon, mode: int, sep: str, template: str) -> list[Piece]:
    """A template as the mode writes it: a sentence with its end (or, when a slot ends it, a
    slot that adds the end unless the value has one), a bar with its separator."""
    parts = pieces(template.replace(" | ", sep) if mode == BAR else template)
    if mode != SENT:
        return parts
    tail = [piece for piece in parts if piece != (True, "parent")]  # {parent} writes nothing
    if tail and tail[-1][0]:
        before = tail[-2][1] if len(tail) > 1 and not tail[-2][0] else ""
        return [*parts, (True, (END_AFTER if before[-1:] in ENDS else END) + tail[-1][1])]
    if tail and tail[-1][1][-1:] in ENDS:
        return parts
    return [*parts, (False, lex.end)]


def _piece(lex: Lexicon, code: int, static: str, after: bool) -> tuple[list[Piece], int, int]:
    """An emoji's slot (or its static text) after or before a line: (pieces, person emoji kind
    or -1, what a static emoji takes from the length)."""
    if code == CLOSE:
        return [(True, TONE_MARK)], -1, 0
    if code < CLOSE:
        return [(True, (SUFFIX if after else PREFIX) + str(code))], code, 0
    if not static:
        return [], -1, 0
    return [(False, lex.esp + static if after else static + lex.esp)], -1, len(static) - 1


def _recipe(
    lex: Lexicon, mode: int, sep: str, steps: list[tuple[int, int, str, str]], at: int,
    lacks: int,
) -> Recipe:  # fmt: skip
    """One recipe compiled for each emoji style."""
    joiner = sep if mode == BAR else (lex.space if mode == SENT else "\n")
    core_raw = lex.usable(steps[at][3], lacks)
    cores, orders, weights = [], [], []
    for style in (0, 1, 2):
        order: list[Lines | None] = []
        counts = [0, 0, 0, 0, 0]
        for j, (prio, code, static, cat) in enumerate(steps):
            decorated = style == 1 or (style == 2 and j == 0)
            after = style == 2 or mode == SENT
            piece, person_kind, static_size = _piece(lex, code, static, after)
            if decorated:
                if person_kind >= 0:
                    counts[person_kind] += 1
                counts[3] += static_size
                if code == CLOSE:
                    counts[4] = 1 if after else 2
            lines = []
            for raw, mentions in lex.usable(cat, lacks):
                plain = written(lex, mode, sep, raw)
                shown = (plain + piece if after else piece + plain) if decorated else plain
                text = compile_pieces(shown)
                lines.append((text, mentions, prio, code, static, compile_pieces(plain)))
            if j == at:
                cores.append(tuple(lines))
                order.append(None)
            else:
                order.append(tuple(lines))
        orders.append(tuple(order))
        weights.append((counts[0], counts[1], counts[2], counts[3], counts[4]))
    keys = tuple(
        compile_pieces([(slot, "~" + text if slot else reader_key(text)) for slot, text in ps])
        for ps in (pieces(raw) for raw, _ in core_raw)
    )  # a reader key drops characters one by one, so a template's adds up from its pieces'
    return Recipe(mode, joiner, keys, tuple(cores), tuple(orders), tuple(weights), core_raw)


def plan(
    lex: Lexicon, platform: str, stage: str, tone: str, family: str | None, lacks: int
) -> Plan:
    """A platform's recipes for a kind of person, compiled (cached per lexicon).

    Each recipe appears once per separator (one-line recipes with each of theirs, the others
    repeated as often), so one uniform draws both, each as likely as before. Kinds of person
    whose differences no template of a recipe needs share its compiled form.
    """
    key = (platform, stage, tone, family, lacks)
    got: Plan | None = lex.plans.get(key)
    if got is not None:
        return got
    out = []
    for mode, kinds in RECIPES[platform]:
        steps: list[tuple[int, int, str, str]] = []
        for kind, priority in kinds:
            cat = _category(kind, stage, tone, family)
            if cat and lex.usable(cat, lacks):
                code = _KIND_EMOJI.get(kind, STATIC)
                static = decor.unit_emoji(_STATIC_EMOJI.get(kind, kind)) if code == STATIC else ""
                steps.append((priority, code, static, cat))
        at = next((i for i, step in enumerate(steps) if step[0] == 0), -1)
        if at < 0:
            continue
        used = tuple((s[0], s[1], s[2], id(lex.usable(s[3], lacks))) for s in steps)
        for sep in lex.bars:
            content = (mode, sep if mode == BAR else "", at, used)  # usable lists are interned
            recipe = lex.recipes.get(content)
            if recipe is None:
                recipe = lex.recipes[content] = _recipe(lex, mode, sep, steps, at, lacks)
            out.append(recipe)
    got = lex.plans[key] = tuple(out)
    return got
