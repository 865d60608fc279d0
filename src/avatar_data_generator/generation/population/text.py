"""Text folding shared by the lookups: case-, accent- and spacing-insensitive keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Letters that NFKD does not decompose into ASCII.
_ASCII = str.maketrans({
    "ß": "ss", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe",
    "Œ": "oe", "đ": "d", "Đ": "d", "\u0131": "i", "þ": "th", "ð": "d", "ħ": "h",
})  # fmt: skip


# Folded texts seen so far: the realism checks fold five fields of every persona, and cities,
# names and demonyms recur. Bounded, cleared when full (a hostile answer may be all new text).
_FOLDED: dict[str, str] = {}
_FOLDED_MAX = 100_000


def fold(text: str) -> str:
    """Case- and accent-insensitive key with single spaces (Hangul stays composed)."""
    got = _FOLDED.get(text)
    if got is None:
        norm = unicodedata.normalize("NFKD", text.casefold())
        kept = "".join(c for c in norm if not unicodedata.combining(c))
        got = _SPACES.sub(" ", unicodedata.normalize("NFC", kept)).strip()
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        _FOLDED[text] = got
    return got


_TOKEN = re.compile(r"[^\s,;:!?()\[\]{}/|.\"«»“”„]+")


def tokens(text: str) -> list[str]:
    """Folded words: split on spaces and punctuation only (Indic vowel signs stay inside)."""
    return _TOKEN.findall(fold(text))


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only (for usernames and e-mail local parts)."""
    norm = unicodedata.normalize("NFKD", text.translate(_ASCII).casefold())
    return "".join(ch for ch in norm if ch.isascii() and ch.isalnum())
