"""Text as a person sees it: graphemes counted and cut, whitespace squashed."""

from __future__ import annotations

import regex

_GRAPHEME = regex.compile(r"\X")


def squash(value: str) -> str:
    """Collapse runs of whitespace (and newlines, tabs) into single spaces."""
    if "  " in value or not value.isprintable():
        return " ".join(value.split())
    return value.strip()


#: Whitespace a bio's lines collapse: everything but line breaks and no-break spaces (French
#: typography puts U+00A0 and U+202F before : ; ! ?).
_BIO_SPACE = regex.compile(r"[^\S\n\u00a0\u202f]+")


def squash_bio(value: str) -> str:
    """Collapse whitespace like `squash` but keep single line breaks and no-break spaces."""
    if "\n" not in value and "\u00a0" not in value and "\u202f" not in value:
        return squash(value)
    lines = (_BIO_SPACE.sub(" ", line).strip(" ") for line in value.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def grapheme_count(text: str) -> int:
    """The characters a person sees (extended grapheme clusters)."""
    if text.isascii():
        return len(text)
    return len(_GRAPHEME.findall(text))


def trim_to_graphemes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` graphemes, at a word boundary when one is near."""
    if limit <= 0:
        return ""
    if grapheme_count(text) <= limit:
        return text
    clusters = _GRAPHEME.findall(text)
    cut = "".join(clusters[:limit])
    # Prefer the last whole word if it keeps at least half of the allowed length.
    if not clusters[limit].isspace():
        space = cut.rstrip().rfind(" ")
        if space >= limit // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013\u2014|\u00b7")
