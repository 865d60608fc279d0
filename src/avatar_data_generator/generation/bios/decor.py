"""Emoji and hashtags: chosen from the person's facts, written the way each script writes them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from avatar_data_generator.generation.bios.lexicon import shared
from avatar_data_generator.generation.population import interest_name

_NO_SPACE_TAGS = frozenset(("ja", "zh", "ko", "hi"))


def _tag_text(text: str, lang: str) -> str:
    """A hashtag body: letters, marks and digits only, words run together (or _ in Arabic)."""
    words = []
    for word in text.replace("-", " ").replace("'", " ").replace("’", " ").split():
        kept = "".join(c for c in word if unicodedata.category(c)[0] in "LMN")
        if kept:
            words.append(kept)
    if lang == "ar":
        return "_".join(words)
    if lang in _NO_SPACE_TAGS or len(words) == 1:
        return "".join(words)
    return "".join(w[:1].upper() + w[1:] for w in words)


# Per language tag, each interest's hashtag: a plain memo, as the writer asks for three a
# person (lru_cache's hashing of the arguments cost about four times as much).
_INTEREST_TAGS: dict[str, dict[str, str]] = {}


def interest_tag(key: str, tag: str) -> str:
    """'#BoardGames', '#Brettspiele', '#ボードゲーム', '#كرة_القدم' for an interest."""
    known = _INTEREST_TAGS.get(tag)
    if known is None:
        known = _INTEREST_TAGS[tag] = {}
    got = known.get(key)
    if got is None:
        body = _tag_text(interest_name(key, tag), tag.split("-")[0])
        got = known[key] = "#" + body if body else ""
    return got


@lru_cache(maxsize=8192)
def word_tag(text: str, lang: str) -> str:
    """A hashtag of any name (a field, a city)."""
    body = _tag_text(text, lang)
    return "#" + body if body else ""


_UNREAD = re.compile(r"[\W_]+")  # spaces, punctuation, emoji: what a reader skims over
# The ASCII bytes a reader skims over: an ASCII text is read with bytes.translate, no regex.
_UNREAD_ASCII = bytes(c for c in range(128) if not chr(c).isalnum())


def reader_key(text: str) -> str:
    """A text as a reader compares it: no hashtags, spaces, punctuation or emoji, any case."""
    cut = text.find("#")
    if cut >= 0:
        text = text[:cut]
    if text.isascii():
        return text.encode().translate(None, _UNREAD_ASCII).decode().lower()
    return _UNREAD.sub("", text).casefold()


def taken(key: str, keys: list[str]) -> bool:
    """Whether a text reads the same as one already written, or as the start of one (or so)."""
    return any(other.startswith(key) or key.startswith(other) for other in keys)


@lru_cache(maxsize=1024)
def interest_emoji(key: str) -> str:
    """The emoji of an interest ('' when it has none)."""
    return str(shared()["emoji"]["interest"].get(key, ""))


@lru_cache(maxsize=64)
def family_emoji(family: str, sex: str) -> str:
    """The emoji of a family line (grandma or grandpa by sex)."""
    got = shared()["emoji"]["family"].get(family, "")
    if isinstance(got, list):
        return str(got[0] if sex == "female" else got[1])
    return str(got)


@lru_cache(maxsize=16)
def tone_emoji(tone: str) -> tuple[str, ...]:
    """The emoji that suit a tone."""
    return tuple(shared()["emoji"]["tone"][tone])


def unit_emoji(unit: str) -> str:
    """The emoji of a kind of line (place, education, experience, greeting, trait)."""
    return str(shared()["emoji"]["unit"].get(unit, ""))
