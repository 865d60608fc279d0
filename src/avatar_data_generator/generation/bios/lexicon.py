"""The phrase tables of one language (and regional variant), compiled once per sex."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

#: Slots a template may use ({Job} is the capitalised {job}; {i1@de} a modified slot).
SLOTS = frozenset((
    "job", "stage", "city", "region", "name", "i1", "i2", "i3", "ilist", "trait", "edu", "field",
    "subject", "years", "parent",
))  # fmt: skip
#: Bits of what a person lacks or has, tested against what a template needs ({parent} writes
#: nothing: it marks lines about young children, kept for ages that fit them).
NEEDS = {"region": 1, "name": 2, "years": 4, "field": 8, "subject": 16, "edu": 32, "parent": 64}
#: Bits of what a template mentions, so one bio does not say the same thing twice.
MENTIONS = {
    "city": 1, "region": 2, "i1": 4, "i2": 8, "i3": 8, "ilist": 12, "years": 16, "trait": 32,
    "edu": 64, "field": 128, "subject": 256, "name": 512,
}  # fmt: skip
STAGE_KEYS = ("employed", "retired_job", "retired", "student", "pupil", "unemployed", "homemaker")
TONES = ("friendly", "professional", "casual", "witty", "inspirational")
_DENSE = frozenset(("hi",))
_FR_SPACES = (
    (" !", "\u202f!"), (" ?", "\u202f?"), (" ;", "\u202f;"), (" :", "\u00a0:"),
    ("« ", "«\u00a0"), (" »", "\u00a0»"),
)  # fmt: skip


@cache
def _read(name: str) -> dict[str, Any]:
    """One JSON file of bios/data, parsed once per process."""
    path = files("avatar_data_generator.generation.bios").joinpath("data", f"{name}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{name}.json is not an object")
    return data


def shared() -> dict[str, Any]:
    """Language-independent tables: fields of occupations, subjects, emoji."""
    return _read("shared")


@lru_cache(maxsize=16)
def raw(lang: str) -> dict[str, Any]:
    """A language's tables with its further parts merged (template lists concatenated)."""
    data = dict(_read(lang))
    templates: dict[str, list[str]] = {k: list(v) for k, v in data.get("t", {}).items()}
    for part in data.get("meta", {}).get("parts", ()):
        for key, values in _read(part).get("t", {}).items():
            templates.setdefault(key, []).extend(values)
    data["t"] = templates
    return data


def _gendered(text: str, female: bool) -> str:
    """Resolve every [female|male] choice of a template."""
    out, i = [], 0
    while True:
        start = text.find("[", i)
        if start < 0:
            out.append(text[i:])
            return "".join(out)
        end = text.find("]", start)
        bar = text.find("|", start, end)
        if end < 0 or bar < 0:
            raise ValueError(f"unbalanced [f|m] in {text!r}")
        out.append(text[i:start])
        out.append(text[start + 1 : bar] if female else text[bar + 1 : end])
        i = end + 1


def slots_of(template: str) -> list[str]:
    """The slot names a template uses, modifiers and capitals included ('Job', 'i1@de')."""
    names, i = [], 0
    while (start := template.find("{", i)) >= 0:
        end = template.find("}", start)
        names.append(template[start + 1 : end])
        i = end + 1
    return names


def key_format(template: str, key: Callable[[str], str]) -> str:
    """A format string of the template's reader key: literal text as `key` reads it, each slot
    as its value's key ('{~city}'); keys drop characters one by one, so the pieces add up."""
    out, i = [], 0
    while (start := template.find("{", i)) >= 0:
        end = template.find("}", start)
        out.append(key(template[i:start]))
        out.append("{~" + template[start + 1 : end] + "}")
        i = end + 1
    out.append(key(template[i:]))
    return "".join(out)


def bits_of(template: str, table: dict[str, int]) -> int:
    """The bits of NEEDS or MENTIONS that a template's slots have."""
    bits = 0
    for name in slots_of(template):
        base = name.split("@")[0]
        bits |= table.get(base[:1].lower() + base[1:], 0)
    return bits


def _variant(text: str, subs: list[tuple[str, str]]) -> str:
    for old, new in subs:
        text = text.replace(old, new)
    return text


@dataclass(slots=True)
class Lexicon:
    """Compiled templates of one language tag and sex, with what each needs."""

    lang: str
    tag: str
    meta: dict[str, Any]
    articles: dict[str, str]
    fields: dict[str, tuple[str, str | None]]
    subjects: dict[str, tuple[str, str | None]]
    cats: dict[str, tuple[tuple[str, int, int], ...]]
    dense: bool  # written with combining marks: lengths are counted exactly
    end: str = "."  # what ends a sentence
    space: str = " "  # between sentences
    esp: str = " "  # between an emoji and its line
    bars: tuple[str, ...] = (" | ",)  # separators of one-line bios
    slot_names: frozenset[str] = frozenset()  # every slot the templates use ('Job', 'i1@de')
    # Per slot ('city', 'i1'), the forms of it the templates use ('city@a', 'I1', 'i2@le' for
    # 'ilist@le'), made with the value (see person.forms).
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    forms: dict[tuple[str, str, str | None], Any] = field(default_factory=dict)  # person.forms
    _usable: dict[tuple[str, int], tuple[tuple[str, int], ...]] = field(default_factory=dict)
    _interned: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = field(
        default_factory=dict
    )
    # Compiled recipes: per (platform, stage, tone, family, lacks) (recipes.plan), per content
    # (recipes.plan: kinds of person that differ in what no template of it needs share them),
    # and per (platforms, stage, tone, family, lacks) (writer._plans).
    plans: dict[tuple[str, str, str, str | None, int], Any] = field(default_factory=dict)
    recipes: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    plansets: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def usable(self, cat: str, lacks: int) -> tuple[tuple[str, int], ...]:
        """(template, mentions) of a category's templates that need nothing the person lacks."""
        key = (cat, lacks)
        got = self._usable.get(key)
        if got is None:
            got = tuple((t, m) for t, needs, m in self.cats.get(cat, ()) if not needs & lacks)
            got = self._usable[key] = self._interned.setdefault(got, got)  # one object per list
        return got


def _noun(entry: str) -> tuple[str, str | None]:
    """'santé/f' -> ('santé', 'f'); a name without a code -> (name, None)."""
    name, _, code = entry.rpartition("/")
    return (name, code) if name else (entry, None)


def _merge(templates: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per stage and per tone, the specific templates plus the category's 'any' ones."""
    out = dict(templates)
    for key, values in templates.items():
        head, _, tail = key.partition(".")
        if tail != "any":
            continue
        for sub in (*STAGE_KEYS, *TONES):
            if f"{head}.{sub}" in templates:
                out[f"{head}.{sub}"] = [*templates[f"{head}.{sub}"], *values]
            else:
                out[f"{head}.{sub}"] = list(values)
    return out


@lru_cache(maxsize=256)
def lexicon(tag: str, sex: str) -> Lexicon:
    """The compiled tables of a language tag ('pt-BR') for a sex ('female' or 'male')."""
    lang, _, region = tag.partition("-")
    data = raw(lang)
    variant = data.get("variants", {}).get(region, {}) if region else {}
    subs = sorted(variant.get("sub", {}).items(), key=lambda kv: -len(kv[0]))
    templates = {k: list(v) for k, v in data["t"].items()}
    for key, values in variant.get("add", {}).items():
        templates.setdefault(key, []).extend(values)
    female = sex == "female"
    cats: dict[str, tuple[tuple[str, int, int], ...]] = {}
    for key, values in _merge(templates).items():
        compiled = []
        for text in values:
            text = _gendered(_variant(text, subs), female)
            if lang == "fr":
                for old, new in _FR_SPACES:
                    text = text.replace(old, new)
            compiled.append((text, bits_of(text, NEEDS), bits_of(text, MENTIONS)))
        cats[key] = tuple(compiled)
    fields = {
        k: _noun(v) for k, v in {**data.get("fields", {}), **variant.get("fields", {})}.items()
    }
    subjects = {
        k: _noun(v) for k, v in {**data.get("subjects", {}), **variant.get("subjects", {})}.items()
    }
    meta = dict(data.get("meta", {}))
    meta.update(variant.get("meta", {}))
    articles = dict(data.get("articles", {}))
    names = frozenset(s for ts in cats.values() for t, _, _ in ts for s in slots_of(t))
    return Lexicon(
        lang, tag, meta, articles, fields, subjects, cats, lang in _DENSE, meta.get("end", "."),
        meta.get("space", " "), meta.get("esp", " "), tuple(meta.get("bars", (" | ",))), names,
        _groups(names, lang),
    )  # fmt: skip


def _groups(names: frozenset[str], lang: str) -> dict[str, tuple[str, ...]]:
    """Per slot, the other names the templates ask for it by: capitals, modifiers, and the
    items' modified forms that a modified list is made of (Korean adds one particle after it)."""
    out: dict[str, set[str]] = {}
    for name in names:
        head, _, mod = name.partition("@")
        base = head[:1].lower() + head[1:]
        if name != base:
            out.setdefault(base, set()).add(name)
        if base == "ilist" and mod and lang != "ko":
            for item in ("i1", "i2", "i3"):
                out.setdefault(item, set()).add(f"{item}@{mod}")
    return {k: tuple(sorted(v)) for k, v in out.items()}
