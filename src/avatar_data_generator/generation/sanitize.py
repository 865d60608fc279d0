"""Text from a provider made safe to store and show: no control characters, no bidi tricks.

A model (or a hostile server) may write NUL (which PostgreSQL refuses in text), other C0 and C1
controls, bidi overrides that turn a name around on screen, lone surrogates (which UTF-8 cannot
encode) or the replacement character left by bytes that were not UTF-8. They are removed from
every string of an answer before it is validated; nesting deeper than a persona ever needs
rejects the item on its own.
"""

from __future__ import annotations

import re
from typing import Any

#: Line breaks survive only where a caller asks (bios may use them); everything else goes.
_LINE_BREAKS = frozenset({0x0A})
_REMOVED = (
    set(range(0x00, 0x20))  # C0 controls (tab and newline handled by the callers' squashing)
    | {0x7F}
    | set(range(0x80, 0xA0))  # C1 controls
    | {0x061C, 0x200E, 0x200F}  # Arabic letter mark, LRM, RLM
    | set(range(0x202A, 0x202F))  # LRE, RLE, PDF, LRO, RLO
    | set(range(0x2066, 0x206A))  # LRI, RLI, FSI, PDI
    | {0xFEFF, 0xFFFD}  # BOM / zero-width no-break space, the replacement character
    | set(range(0xD800, 0xE000))  # lone surrogates
)
#: Control characters become a space (so words do not run together); format marks vanish.
_TABLE = {c: (" " if c < 0x20 or 0x80 <= c < 0xA0 else None) for c in _REMOVED}
_TABLE_KEEP_LINES = {c: v for c, v in _TABLE.items() if c not in _LINE_BREAKS}

#: A persona is an object of lists and objects of strings: three levels, with room to spare.
MAX_DEPTH = 6
#: Items of one list or keys of one object kept from an answer (the rest is noise).
MAX_ITEMS = 64


class TooDeep(ValueError):
    """The value nests deeper than a persona can."""


#: Any character `clean_text` removes (one search is cheaper than a translation that finds none).
_ANY = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_REMOVED)) + "]")


def clean_text(text: str, keep_lines: bool = False) -> str:
    """The text without control characters, bidi controls, surrogates or U+FFFD."""
    if (text.isascii() and text.isprintable()) or not _ANY.search(text):
        return text
    return text.translate(_TABLE_KEEP_LINES if keep_lines else _TABLE)


def clean_value(value: Any, depth: int = 0) -> Any:
    """A parsed JSON value with every string cleaned (keys too) and its size bounded."""
    if isinstance(value, str):
        return clean_text(value, keep_lines=True)
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in list(value.items())[:MAX_ITEMS]:
            out[clean_text(str(key))] = clean_value(item, depth + 1)
        return out
    if isinstance(value, list):
        return [clean_value(item, depth + 1) for item in value[:MAX_ITEMS]]
    return value


def describe_answer(payload: Any, limit: int = 200) -> str:
    """A short, safe excerpt of an answer for an error message a user reads."""
    if payload in (None, "", {}, []):
        return "an empty answer"
    text = payload if isinstance(payload, str) else repr(payload)[: limit * 4]
    shown = " ".join(clean_text(text).split())
    return shown[:limit] + ("…" if len(shown) > limit else "")
