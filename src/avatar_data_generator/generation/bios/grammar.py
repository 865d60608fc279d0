"""Per-language grammar of the slots: capitals, lists, articles, particles and suffixes."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from avatar_data_generator.generation.bios import romance

# English words after "an" despite a consonant letter, and "a" despite a vowel letter.
_AN_H = ("hour", "honest", "honor", "honour", "heir")
_A_VOWEL = ("uni", "use", "usu", "uti", "eu", "one", "ur", "uk")

_TR_BACK, _TR_FRONT = "aıou", "eiöü"
_TR_HARD = "fstkçşhp"  # voiceless consonants: the suffix starts with t, not d
_TR_FOUR = {"a": "ı", "ı": "ı", "e": "i", "i": "i", "o": "u", "u": "u", "ö": "ü", "ü": "ü"}
_TR_PLAIN = str.maketrans("âîû", "aiu")

# Korean particles: (after a final consonant, after a vowel).
_KO = {
    "은": ("은", "는"), "이": ("이", "가"), "을": ("을", "를"), "과": ("과", "와"),
    "으로": ("으로", "로"), "이에요": ("이에요", "예요"), "이야": ("이야", "야"),
    "이랑": ("이랑", "랑"), "이나": ("이나", "나"), "아": ("아", "야"), "이고": ("이고", "고"),
    "이라고": ("이라고", "라고"),
}  # fmt: skip
_KO_DIGIT_FINAL = "013678"  # 영 일 삼 육 칠 팔 end in a consonant

_AND = {
    "en": " and ", "de": " und ", "nl": " en ", "pl": " i ", "tr": " ve ", "fr": " et ",
    "it": " e ", "pt": " e ", "es": " y ", "hi": " और ", "ar": " و", "zh": "和", "ja": "と",
}  # fmt: skip
_COMMA = {"ja": "、", "zh": "、", "ar": "، "}


def cap(text: str, lang: str) -> str:
    """The text with a capital first letter (Turkish dotted İ, Dutch IJ)."""
    if not text:
        return text
    first = text[0]
    if lang == "tr" and first in "iı":
        return ("İ" if first == "i" else "I") + text[1:]
    if lang == "nl" and text[:2] == "ij":
        return "IJ" + text[2:]
    return first.upper() + text[1:]


def join_list(items: Sequence[str], lang: str) -> str:
    """Items joined as the language lists them ('a, b and c', 'a、b和c', 'a، b وc')."""
    n = len(items)
    if n == 0:
        return ""
    if n == 1:
        return items[0]
    if lang == "ko":
        return ", ".join([*items[:-2], korean(items[-2], "과") + " " + items[-1]])
    if lang == "ja" and n == 2:
        return items[0] + "と" + items[1]
    comma = _COMMA.get(lang, ", ")
    and_ = _AND.get(lang, ", ")
    if lang == "ja":
        and_ = comma
    head = comma.join(items[:-1])
    last = items[-1]
    if lang == "es":
        return head + romance.spanish_and(last)
    return head + and_ + last


def english_article(word: str) -> str:
    """'a nurse', 'an engineer', 'a university student'."""
    low = word.lower()
    vowel = low[:1] in "aeiou" and not low.startswith(_A_VOWEL)
    return ("an " if vowel or low.startswith(_AN_H) else "a ") + word


def polish_years(number: str) -> str:
    """'1 rok', '3 lata', '5 lat', '22 lata', '12 lat'."""
    n = int(number)
    if n == 1:
        return "1 rok"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} lata"
    return f"{n} lat"


def german_dative(noun: str) -> str:
    """'klassische Musik' -> 'klassischer Musik' (feminine dative); plain nouns stay."""
    head, _, rest = noun.partition(" ")
    if rest and head[:1].islower() and head.endswith("e"):
        return f"{head}r {rest}"
    return noun


def _tr_last_vowel(word: str) -> str:
    """The last vowel of a Turkish word ('e' when it has none, as for abbreviations)."""
    plain = word.lower().translate(_TR_PLAIN)
    for ch in reversed(plain):
        if ch in _TR_BACK or ch in _TR_FRONT:
            return ch
    return "e"


def turkish(word: str, suffix: str, proper: bool) -> str:
    """A Turkish suffix in harmony: 'da' (in), 'dan' (from), 'li' (of a place), 'yim' (I am)."""
    v = _tr_last_vowel(word)
    two = "a" if v in _TR_BACK else "e"
    four = _TR_FOUR[v]
    last = word[-1:].lower()
    vowel_end = last in _TR_BACK or last in _TR_FRONT
    hard = last in _TR_HARD
    if suffix == "ma":
        head, _, tail = word.rpartition(" ")
        if head and tail.endswith(("mak", "mek")):
            return f"{head} {tail[:-1]}"  # yemek yapmak -> yemek yapma (kitap okuma tutkunu)
        return word
    if suffix in ("da", "dan"):
        body = ("t" if hard else "d") + two + ("n" if suffix == "dan" else "")
    elif suffix == "li":
        body = "l" + four
    elif suffix == "yim":
        if last == "k" and not proper and sum(c in "aıoueiöü" for c in word.lower()) > 1:
            word = word[:-1] + "ğ"  # çiçek -> çiçeğim
        body = ("y" if vowel_end else "") + four + "m"
    else:
        raise ValueError(f"unknown Turkish suffix {suffix!r}")
    return word + ("'" if proper and suffix != "li" else "") + body


def _ko_final(word: str) -> int:
    """0: ends in a vowel, 1: in a consonant, 2: in ㄹ (for 으로)."""
    ch = word.rstrip(" )")[-1:] or "가"
    if "가" <= ch <= "힣":
        final = (ord(ch) - 0xAC00) % 28
        return 0 if final == 0 else (2 if final == 8 else 1)
    if ch.isdigit():
        return 1 if ch in _KO_DIGIT_FINAL else 0
    low = ch.lower()
    if low == "l":
        return 2
    return 0 if low in "aeiouy" or not low.isalpha() else 1


def korean(word: str, particle: str) -> str:
    """The word with the right form of a particle (과/와, 은/는, 으로/로 …)."""
    forms = _KO[particle]
    final = _ko_final(word)
    if particle == "으로":
        return word + (forms[0] if final == 1 else forms[1])
    return word + (forms[0] if final else forms[1])


def arabic_years(number: str) -> str:
    """'سنة', 'سنتين', '5 سنوات', '15 سنة' (plural from 3 to 10, singular from 11)."""
    n = int(number)
    if n == 1:
        return "سنة"
    if n == 2:
        return "سنتين"
    return f"{n} سنوات" if n <= 10 else f"{n} سنة"


def arabic(word: str, prefix: str) -> str:
    """Arabic clitics written onto the word: ب (with), ل (for; لل before ال), و (and); ال."""
    if prefix == "sana":
        return arabic_years(word)
    if prefix == "al":
        tail = word.partition(" ")[2]
        if word.startswith("ال") or tail.startswith("ال"):
            return word  # already definite (علوم الحاسوب)
        return "ال" + word
    if prefix == "li" and word.startswith("ال"):
        return "لل" + word[2:]
    return {"bi": "ب", "li": "ل", "wa": "و"}[prefix] + word


@lru_cache(maxsize=65536)
def modify(lang: str, mod: str, value: str, code: str | None, proper: bool) -> str:
    """Apply a slot modifier of the templates (`{city@da}`, `{i1@de}`) in a language."""
    if lang in romance.LANGS:
        return romance.modify(lang, mod, value, code, proper)
    if lang == "en" and mod == "a":
        return english_article(value)
    if lang == "de" and mod == "dat":
        return german_dative(value)
    if lang == "nl" and mod == "de":
        return ("het " if code == "het" else "de ") + value
    if lang == "pl" and mod == "lat":
        return polish_years(value)
    if lang == "tr":
        return turkish(value, mod, proper)
    if lang == "ko":
        return korean(value, mod)
    if lang == "ar":
        return arabic(value, mod)
    raise ValueError(f"unknown modifier {mod!r} for {lang}")
