"""A person's slot values for the templates, with the forms made when a template first asks."""

from __future__ import annotations

from avatar_data_generator.generation.bios import grammar
from avatar_data_generator.generation.bios.decor import reader_key
from avatar_data_generator.generation.bios.fitting import ENDS
from avatar_data_generator.generation.bios.recipes import END, END_AFTER

#: Slots whose values are names (a city, a region, a person): modifiers treat them as proper.
PROPER = frozenset(("city", "region", "name"))
_OWN_CAPITALS = frozenset(("tr", "nl"))
# Memos of pure functions of short texts (a value's reader key, its capitalised form): the
# same job titles, cities and interests recur across people. Bounded, cleared when full.
_KEYS: dict[str, str] = {}
_CAPS: dict[str, str] = {}
MEMO_MAX = 200_000
_ENDING = END + END_AFTER


class Slots(dict[str, str]):
    """Slot values; capitals and modified forms ('Job', 'i1@de') are made when first asked.

    '~name' is the reader key of a slot's value (see decor.reader_key), so a template's key is
    written like the template; END + name ends a sentence after the slot (see recipes.py).
    """

    __slots__ = ("codes", "end", "lang", "listed")

    def __init__(
        self, lang: str, codes: dict[str, str | None], listed: tuple[str, ...], end: str = "."
    ) -> None:
        super().__init__()
        self.lang = lang
        self.codes = codes
        self.listed = listed
        self.end = end

    def __missing__(self, key: str) -> str:
        head = key[:1]
        if head in _ENDING:  # a sentence's end after a slot: none if the value has one
            low = self[key[1:]]
            if low:
                value = "" if low[-1] in ENDS else self.end
            else:
                value = "" if head == _ENDING[1] else self.end
        elif head == "~":
            low = self[key[1:]]
            known = _KEYS.get(low)
            if known is None:
                known = reader_key(low)
                if len(_KEYS) >= MEMO_MAX:
                    _KEYS.clear()
                _KEYS[low] = known
            value = known
        elif head.isupper():
            low = self[head.lower() + key[1:]]
            if self.lang in _OWN_CAPITALS:
                value = grammar.cap(low, self.lang)
            else:
                known = _CAPS.get(low)
                if known is None:
                    known = low[:1].upper() + low[1:]
                    if len(_CAPS) >= MEMO_MAX:
                        _CAPS.clear()
                    _CAPS[low] = known
                value = known
        elif key == "ilist":
            value = grammar.join_list([self[s] for s in self.listed], self.lang)
            self._ends(key, value)
        else:
            base, _, mod = key.partition("@")
            if base == "ilist" and self.lang == "ko":
                value = grammar.korean(self["ilist"], mod)  # one particle, after the last item
            elif base == "ilist":
                value = grammar.join_list([self[f"{s}@{mod}"] for s in self.listed], self.lang)
            else:
                value = grammar.modify(
                    self.lang, mod, self[base], self.codes.get(base), base in PROPER
                )
            if base == "ilist":
                self._ends(key, value)
        self[key] = value
        return value

    def _ends(self, key: str, value: str) -> None:
        """The sentence ends after a list, made with it (a list is made per person)."""
        if not value:
            self[_ENDING[0] + key], self[_ENDING[1] + key] = self.end, ""
        else:
            self[_ENDING[0] + key] = self[_ENDING[1] + key] = "" if value[-1] in ENDS else self.end
