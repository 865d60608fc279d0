"""bio_language: which language a bio is written in, by an offline identifier (py3langid)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

# Letters and marks are what identifies a language; emoji, digits and symbols only add noise.
_KEEP = frozenset("LM")
_MIN_LETTERS = 2
# ISO 639-3 members of a macrolanguage are reported as the macrolanguage (Cantonese and Wu as
# Chinese, Egyptian and Moroccan Arabic as Arabic), as a person reading the bio would name it.
_MACRO = {
    "yue": "zh", "wuu": "zh", "cmn": "zh", "hak": "zh", "nan": "zh", "gan": "zh", "hsn": "zh",
    "arz": "ar", "ary": "ar", "apc": "ar", "acm": "ar", "aeb": "ar", "arq": "ar", "ars": "ar",
    "afb": "ar", "ajp": "ar", "nb": "no", "nn": "no",
}  # fmt: skip


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The langid model over all its 97 languages, loaded on first use (about 0.7 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)


_MEMO = 50_000


class _Spaces(dict[int, str]):
    """A `str.translate` table filled on first sight of each character: letters, marks and
    apostrophes stay, everything else (hashtag signs and underscores too) becomes a space."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kept = ch not in "#_" and (unicodedata.category(ch)[0] in _KEEP or ch in "'’")
        out = ch if kept else " "
        if len(self) < _MEMO:  # bounded: a hostile answer may hold every character there is
            self[code] = out
        return out


_SPACES = _Spaces()


def clean(text: str) -> str:
    """The words of a bio: hashtags become words, everything but letters and marks a space."""
    return " ".join(text.translate(_SPACES).split())


def bio_language(text: str) -> str | None:
    """The ISO 639-1 code of a bio's language ('de', 'ja'), or None when it has too few letters.

    The identifier is not told which languages to expect, so a wrong language is a real miss.
    """
    words = clean(text)
    if len(words) - words.count(" ") < _MIN_LETTERS:
        return None
    lang, _ = _identifier().classify(words)
    return _MACRO.get(lang, str(lang))
