"""skeleton: a bio with the persona's own facts replaced by slots, to count template variety."""

from __future__ import annotations

from functools import lru_cache

import regex

from avatar_data_generator.generation.bios import grammar
from avatar_data_generator.generation.bios.decor import interest_tag
from avatar_data_generator.generation.bios.lexicon import Lexicon, lexicon, slots_of
from avatar_data_generator.generation.bios.romance import LANGS as ROMANCE
from avatar_data_generator.generation.bios.romance import job_code
from avatar_data_generator.generation.bios.spec import resolve_lang
from avatar_data_generator.generation.population import (
    PersonFacts,
    education_label,
    interest_name,
    life_stage_label,
    occupation_title,
    trait_words,
)

_EMOJI = regex.compile(
    r"(?:\p{Extended_Pictographic}|\p{Emoji_Presentation})[\p{M}\u200d\ufe0f\p{Extended_Pictographic}\p{Emoji_Modifier}]*"
)
_TAG = regex.compile(r"#[\p{L}\p{M}\p{N}_]+")
_NUMBER = regex.compile(r"\d+")
# A run of interest slots joined as a list ('<i>, <i> and <i>', '<i>、<i>和<i>') is one slot.
_LIST = regex.compile(r"<i>(?:(?:\s*[,、،]\s*|\s+\S{1,4}\s+|[和と]|\s+و)<i>)+")
_TAG_RUN = regex.compile(r"(?:#<t>\s*)+")
_SEXES = ("female", "male")
# The pairs of the last persona asked about: its bios come one after another (see skeleton).
_LAST: list[tuple[PersonFacts, str, list[tuple[str, str]]]] = []


@lru_cache(maxsize=64)
def _mods(tag: str, sex: str) -> dict[str, frozenset[str]]:
    """Per slot, the modifiers the language's templates apply to it ('i1' -> {'de', 'le'})."""
    out: dict[str, set[str]] = {}
    for templates in lexicon(tag, sex).cats.values():
        for text, _, _ in templates:
            for name in slots_of(text):
                base, _, mod = name.partition("@")
                key = base[:1].lower() + base[1:]
                key = "i" if key in ("i1", "i2", "i3", "ilist") else key
                out.setdefault(key, set()).add(mod)
    return {k: frozenset(v) for k, v in out.items()}


def _forms(lex: Lexicon, slot: str, value: str, code: str | None) -> list[str]:
    """A value as the templates may write it: plain, modified, capitalised."""
    lang = lex.lang
    out = [value]
    for mod in _mods(lex.tag, "female").get(slot, ()):
        if mod:
            try:
                out.append(grammar.modify(lang, mod, value, code, slot in ("city", "region")))
            except (ValueError, KeyError):
                continue
    return out + [grammar.cap(v, lang) for v in out]


@lru_cache(maxsize=64)
def _known(tag: str) -> tuple[tuple[str, str], ...]:
    """(text, slot) pairs of every field and study subject of a language, in all their forms."""
    pairs: list[tuple[str, str]] = []
    for sex in _SEXES:
        lex = lexicon(tag, sex)
        for name, code in (*lex.fields.values(), *lex.subjects.values()):
            pairs += [(t, "<field>") for t in _forms(lex, "field", name, code)]
            pairs += [(t, "<field>") for t in _forms(lex, "subject", name, code)]
    return tuple(pairs)


def _facts(facts: PersonFacts, tag: str) -> list[tuple[str, str]]:
    """(text, slot) pairs of everything personal a bio of these facts may contain."""
    last = _LAST[0] if _LAST else None  # read once: another thread may replace it
    if last is not None and last[0] is facts and last[1] == tag:
        return last[2]
    pairs: list[tuple[str, str]] = list(_known(tag))
    for sex in _SEXES:
        lex = lexicon(tag, sex)
        lang = lex.lang
        job = occupation_title(facts.occupation_key, tag, sex)
        stage = life_stage_label(facts.life_stage, tag, sex, facts.age)
        jcode = job_code(lang, job, sex) if lang in ROMANCE else None
        pairs += [(t, "<job>") for t in _forms(lex, "job", job, jcode)]
        pairs += [(t, "<job>") for t in _forms(lex, "stage", stage, None)]
        trait = trait_words(facts.big_five, tag, sex)
        pairs += [(t, "<trait>") for t in _forms(lex, "trait", trait, None)]
        for key in facts.interest_keys:
            name = interest_name(key, tag)
            pairs += [(t, "<i>") for t in _forms(lex, "i", name, lex.articles.get(key))]
        pairs += [(t, "<city>") for t in _forms(lex, "city", facts.city, None)]
        if facts.region:
            pairs += [(t, "<region>") for t in _forms(lex, "region", facts.region, None)]
    edu = education_label(facts.education_level, tag)
    pairs += [(edu, "<edu>"), (edu[:1].upper() + edu[1:], "<edu>")]
    for text in (facts.first_name, facts.last_name, facts.first_name_latin, facts.last_name_latin):
        if text:
            pairs.append((text, "<name>"))
    for text, slot in ((facts.occupation, "<job>"), (facts.education, "<edu>"),
                       (facts.country, "<place>"), (facts.nationality, "<place>")):  # fmt: skip
        if text:
            pairs.append((text, slot))
    got = sorted(set(pairs), key=lambda p: (-len(p[0]), p))
    _LAST[:] = [(facts, tag, got)]
    return got


def skeleton(bio: str, facts: PersonFacts, lang: str | None = None) -> str:
    """The bio with names, places, job, education, interests, traits, numbers, emoji and
    hashtags replaced by slots; `lang` is the bio language as given to write_bios."""
    tag = resolve_lang(lang, facts.language, facts.country_code)
    text = _TAG.sub("#<t>", bio)
    text = _EMOJI.sub("<e>", text)
    for value, slot in _facts(facts, tag):
        if len(value) > 1 and value in text:
            text = text.replace(value, slot)
    text = _NUMBER.sub("<n>", text)
    text = _LIST.sub("<i>", text)
    text = _TAG_RUN.sub("#<t>", text)
    for key in facts.interest_keys:
        text = text.replace(interest_tag(key, tag), "#<t>")
    return " ".join(text.split())
