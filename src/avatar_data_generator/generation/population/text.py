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


def fold(text: str) -> str:
    """Case- and accent-insensitive key with single spaces (Hangul stays composed)."""
    norm = unicodedata.normalize("NFKD", text.casefold())
    bare = unicodedata.normalize("NFC", "".join(c for c in norm if not unicodedata.combining(c)))
    return _SPACES.sub(" ", bare).strip()


_TOKEN = re.compile(r"[^\s,;:!?()\[\]{}/|.\"«»“”„]+")


def tokens(text: str) -> list[str]:
    """Folded words: split on spaces and punctuation only (Indic vowel signs stay inside)."""
    return _TOKEN.findall(fold(text))


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only (for usernames and e-mail local parts)."""
    norm = unicodedata.normalize("NFKD", text.translate(_ASCII).casefold())
    return "".join(ch for ch in norm if ch.isascii() and ch.isalnum())
