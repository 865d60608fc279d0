"""Fitting a bio to its limit: hashtags while they fit, then lines and emoji dropped."""

from __future__ import annotations

from avatar_data_generator.generation.bios.lexicon import Lexicon
from avatar_data_generator.generation.graphemes import grapheme_count

SENT, BAR, LINES = 0, 1, 2
ENDS = frozenset(".!?…。！？।؟")


def fits(text: str, limit: int) -> bool:
    """Whether a text is within a limit of graphemes (code points never undercount them)."""
    n = len(text)
    if n <= limit:
        return True
    # Variation selectors and joined emoji shrink the count; if even that is too long, it is.
    if n - text.count("\ufe0f") - 2 * text.count("\u200d") > limit and text.isprintable():
        return False
    return grapheme_count(text) <= limit


def with_tags(lex: Lexicon, mode: int, body: str, size: int, tags: list[str], limit: int) -> str:
    """The body and as many hashtags as still fit; they are the first thing to go."""
    if not tags:
        return body
    room = limit - size - 1
    n = 0
    for tag in tags:
        room -= len(tag) + 1
        if room < 0:
            break
        n += 1
    if not n:
        return body
    text = body + ("\n" if mode == LINES else " ") + " ".join(tags[:n])
    return text if not lex.dense or fits(text, limit) else body


def _parts(mode: int, texts: list[str], marks: list[str], style: int, esp: str) -> list[str]:
    """Each line as written with its emoji (the texts carry their punctuation already)."""
    if style == 2:
        return [texts[0] + esp + marks[0] if marks[0] else texts[0], *texts[1:]]
    if style == 1:
        if mode == SENT:
            return [t + esp + m if m else t for t, m in zip(texts, marks, strict=True)]
        return [m + esp + t if m else t for t, m in zip(texts, marks, strict=True)]
    return texts


def prepare(lex: Lexicon, mode: int, texts: list[str], sep: str) -> tuple[list[str], str]:
    """Raw lines as the mode writes them (a sentence's end, a bar's separator) and the joiner."""
    if mode == SENT:
        return [t if t[-1:] in ENDS else t + lex.end for t in texts], lex.space
    if mode == BAR:
        return ([t.replace(" | ", sep) for t in texts] if sep != " | " else texts), sep
    return texts, "\n"


def fit(
    lex: Lexicon, mode: int, texts: list[str], marks: list[str], prios: list[int], joiner: str,
    style: int, tags: list[str], limit: int,
) -> str | None:  # fmt: skip
    """Written lines joined, decorated and fitted: the bio if all of it fits, else what `shrink`
    keeps (the slow paths: a line left out, a core written alone)."""
    parts = _parts(mode, texts, marks, style, lex.esp)
    body = joiner.join(parts)
    size = len(body)
    if style == 1:
        size -= sum(map(len, marks)) - len(marks) + marks.count("")
    elif style == 2 and marks[0]:
        size -= len(marks[0]) - 1
    if size > limit:
        return shrink(lex, mode, texts, marks, prios, joiner, style, limit)
    return with_tags(lex, mode, body, size, tags, limit)


def shrink(
    lex: Lexicon, mode: int, texts: list[str], marks: list[str], prios: list[int], joiner: str,
    style: int, limit: int,
) -> str | None:  # fmt: skip
    """Drop lines, then emoji until the bio fits; None if the core alone is too long.

    Sizes are code points less what emoji save (an emoji is one grapheme), never fewer than the
    graphemes; only scripts with combining marks are counted exactly.
    """
    while True:
        parts = _parts(mode, texts, marks, style, lex.esp)
        sizes = [len(t) for t in parts]
        if style:
            for k, m in enumerate(marks):
                if m and (style == 1 or k == 0):
                    sizes[k] -= len(m) - 1
        keep = list(range(len(parts)))
        total = sum(sizes) + len(joiner) * (len(keep) - 1)
        while True:
            if total <= limit or lex.dense:
                text = joiner.join([parts[k] for k in keep]) if len(keep) > 1 else parts[keep[0]]
                if total <= limit or fits(text, limit):
                    return text
            worst = max(keep, key=prios.__getitem__)
            if prios[worst] == 0:
                break
            keep.remove(worst)
            total -= sizes[worst] + len(joiner)
        if not style:
            return None
        style = 0
