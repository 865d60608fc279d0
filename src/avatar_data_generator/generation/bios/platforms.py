"""One platform's bio: a recipe and its lines drawn, written in one go, fitted to the limit."""

from __future__ import annotations

from bisect import bisect_right

from avatar_data_generator.generation.bios.fitting import LINES, fit, fits, shrink
from avatar_data_generator.generation.bios.person import Person
from avatar_data_generator.generation.bios.recipes import (
    CLOSE,
    TONE_MARK,
    Line,
    Lines,
    Plan,
    Recipe,
    render,
)
from avatar_data_generator.generation.population.draw import Rand

# What a build whose core alone is too long leaves: the core's templates, its emoji, the emoji
# style and the number of hashtags drawn.
Failed = tuple[tuple[tuple[str, int], ...], str, int, int]


class Read:
    """The cores written so far, as a reader compares them (one is taken when it is another's
    start or another is its start; keys hold no NUL, so NUL marks where each one starts), and
    what the last failed build leaves for the fallback."""

    __slots__ = ("failed", "joined", "keys")

    def __init__(self) -> None:
        self.joined = ""
        self.keys: tuple[str, ...] = ()
        self.failed: Failed = ((), "", 0, 0)


class Tags:
    """A person's hashtags for one platform, and the room the first k take with their spaces."""

    __slots__ = ("room", "tags")

    def __init__(self, tags: list[str], room: list[int] | None = None) -> None:
        self.tags = tags
        if room is None:
            room, run = [], 0
            for tag in tags:
                run += len(tag) + 1
                room.append(run)
        self.room = room

    def led_by(self, tag: str) -> Tags:
        """These tags after another one."""
        first = len(tag) + 1
        return Tags([tag, *self.tags], [first, *(first + r for r in self.room)])


def _mark(p: Person, line: Line, tone: str) -> str:
    """A line's emoji: the person's (role, interest, family), the tone's or the unit's."""
    code = line[3]
    if code < CLOSE:
        return p.marks[code]
    return tone if code == CLOSE else line[4]


# The hot path of every bio, kept in one function on purpose: a call per step costs more than
# the step itself at tens of thousands of bios a second.
def build(  # noqa: C901
    recipes: Plan, p: Person, pool: tuple[str, ...], rand: Rand, seen: Read, style: int,
    span: int, low: int, extra: int, tags: Tags, limit: int,
) -> str | None:  # fmt: skip
    """Draw a recipe and its lines (the core first, one no other platform used; then lines that
    repeat nothing said), write them and fit them to the limit.

    One uniform draws it all: the recipe, then from what is left of it (independent of the
    recipe, and uniform) one integer below the product of every choice's count, whose digits
    are the choices: the emoji style when drawn (style < 0: 1 with 60 %), the number of hashtags
    (`low` plus one below `span`), the tone's emoji, the core's template and each line's.
    `extra` is the product of the counts before the core's. None if even the core is too long
    (then `seen.failed` holds the core's templates and emoji, the style and the hashtags).
    """
    x = rand() * len(recipes)
    k = int(x)
    r = recipes[k]
    i = int((x - k) * (r.size * extra))
    if style < 0:
        style = 1 if i % 5 < 3 else 2
        i //= 5
    ntags = 0
    if span > 0:
        ntags = low + i % span
        i //= span
    npool = len(pool)
    tone = pool[i % npool]
    i //= npool
    slots = p.slots
    keys = r.keys
    n = len(keys)
    c = i % n
    i //= n
    key = render(keys[c], slots)
    old = seen.keys
    if old:
        joined = seen.joined
        step = 1
        while step < n and (key.startswith(old) or "\0" + key in joined):
            c = (c + 1) % n
            key = render(keys[c], slots)
            step += 1
    seen.keys = (*old, key)
    seen.joined += "\0" + key
    w0, w1, w2, fixed, place = r.weights[style]
    if place:  # the tone's emoji, after (1) or before (2) its line
        slots[TONE_MARK] = p.lex.esp + tone if place == 1 else tone + p.lex.esp
    core = r.cores[style][c]
    said = core[1]
    kept = []
    texts = []
    skips: list[Lines] | None = None  # the steps left without a line (each line repeats)
    for lines in r.orders[style]:
        if lines is None:
            line = core
        else:
            n = len(lines)
            d = i % n
            i //= n
            line = lines[d]
            if line[1] & said:
                for k in range(1, n):
                    line = lines[(d + k) % n]
                    if not line[1] & said:
                        break
                else:
                    if skips is None:
                        skips = []
                    skips.append(lines)
                    continue
            said |= line[1]
        texts.append(render(line[0], slots))
        kept.append(line)
    if skips is not None and style:
        if style == 2 and skips[0] is r.orders[2][0]:  # the emoji's line is left out
            return _uneven(r, p, kept, tone, seen, style, ntags, tags, limit)
        if style == 1:
            w0, w1, w2, fixed, place = _less((w0, w1, w2, fixed, place), skips)
    if place:
        fixed += len(tone) - 1
    body = r.joiner.join(texts)
    a0, a1, a2 = p.saves
    size = len(body) - fixed - w0 * a0 - w1 * a1 - w2 * a2
    if size > limit:
        return _shrink(r, p, kept, tone, seen, style, ntags, limit)
    if ntags:
        k = bisect_right(tags.room, limit - size - 1, 0, ntags)
        if k:
            text = body + ("\n" if r.mode == LINES else " ") + " ".join(tags.tags[:k])
            return text if not p.lex.dense or fits(text, limit) else body
    return body


def _less(weights: tuple[int, int, int, int, int], skips: list[Lines]) -> tuple[int, ...]:
    """The emoji weights of a style-1 recipe without the emoji of the steps left out."""
    w = list(weights)
    for lines in skips:
        code, static = lines[0][3], lines[0][4]
        if code < CLOSE:
            w[code] -= 1
        elif code == CLOSE:
            w[4] = 0
        elif static:
            w[3] -= len(static) - 1
    return tuple(w)


def _marks(p: Person, kept: list[Line], tone: str, style: int) -> list[str]:
    """The emoji of the lines as shown: every line's (style 1), the first line's (style 2)."""
    shown = kept if style == 1 else kept[:1] if style == 2 else []
    return [_mark(p, line, tone) for line in shown]


def _failed(r: Recipe, p: Person, kept: list[Line], tone: str, style: int, ntags: int) -> Failed:
    """What the fallback needs of a recipe whose core alone is too long."""
    core = next(line for line in kept if line[2] == 0)
    return r.raw, _mark(p, core, tone) if style else "", style, ntags


def _shrink(
    r: Recipe, p: Person, kept: list[Line], tone: str, seen: Read, style: int, ntags: int,
    limit: int,
) -> str | None:  # fmt: skip
    """A bio too long as drawn: lines, then emoji dropped."""
    texts = [render(line[5], p.slots) for line in kept]
    marks = _marks(p, kept, tone, style)
    text = shrink(p.lex, r.mode, texts, marks, [line[2] for line in kept], r.joiner, style, limit)
    if text is None:
        seen.failed = _failed(r, p, kept, tone, style, ntags)
    return text


def _uneven(
    r: Recipe, p: Person, kept: list[Line], tone: str, seen: Read, style: int, ntags: int,
    tags: Tags, limit: int,
) -> str | None:  # fmt: skip
    """A bio whose first line is left out, so its emoji goes to the next: lines written one by one
    and fitted."""
    texts = [render(line[5], p.slots) for line in kept]
    marks = _marks(p, kept, tone, style)
    prios = [line[2] for line in kept]
    text = fit(p.lex, r.mode, texts, marks, prios, r.joiner, style, tags.tags[:ntags], limit)
    if text is None:
        seen.failed = _failed(r, p, kept, tone, style, ntags)
    return text
