"""Realism report over stored personas of any provider: rule violations, fit to the tables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from avatar_data_generator.generation.population import checks
from avatar_data_generator.generation.population.ages import age_bins, expected_bins
from avatar_data_generator.generation.population.education import expected_tertiary
from avatar_data_generator.generation.population.minhash import PERMUTATIONS, THRESHOLD
from avatar_data_generator.generation.population.rules import TERTIARY
from avatar_data_generator.generation.population.tables import DATA_VERSION
from avatar_data_generator.generation.population.text import fold

VIOLATIONS = (
    "doctorate_under_25", "master_under_22", "bachelor_under_20", "occupation_below_min_age",
    "job_under_16", "retired_under_50", "life_stage_vs_age", "name_vs_sex",
    "city_outside_country", "age_outside_range",
)  # fmt: skip
FLAGS = (
    "degree_below_typical_age", "occupation_needs_education", "employed_over_85",
    "name_sex_unusual", "nationality_not_demonym", "email_not_reserved", "username_generic",
    "age_vs_date_of_birth",
)  # fmt: skip
_EXAMPLES = 5
_BIO_KEYS = re.compile(r"^(x|instagram|tiktok|linkedin|facebook)$")


class _Country:
    """Per-country tallies."""

    __slots__ = ("adults", "ages", "doct_25_64", "doct_adults", "female", "n", "n_25_64",
                 "other", "tert_25_64", "tert_adults")  # fmt: skip

    def __init__(self, bins: int) -> None:
        self.ages = [0] * bins
        self.n = self.female = self.other = 0
        self.n_25_64 = self.tert_25_64 = self.doct_25_64 = 0
        self.adults = self.tert_adults = self.doct_adults = 0


class RealismAccumulator:
    """Streams stored persona dicts in chunks; `report()` gives the realism section."""

    def __init__(self, age_min: int, age_max: int, today: date | None = None) -> None:
        from avatar_data_generator.generation.population.minhash import NearDuplicates

        self.age_min, self.age_max = age_min, age_max
        self.today = today or date.today()
        self._bins = age_bins(age_min, age_max)
        self._bin_of = {a: i for i, (lo, hi) in enumerate(self._bins) for a in range(lo, hi + 1)}
        self._counts: dict[str, Counter[str]] = {"violations": Counter(), "flags": Counter()}
        self._examples: dict[str, dict[str, list[str]]] = {"violations": {}, "flags": {}}
        self._with = {"violations": 0, "flags": 0}
        self._countries: dict[str, _Country] = {}
        self._first_names: set[str] = set()
        self._unclassified = Counter[str]()
        self._bios = NearDuplicates()
        self.n = 0

    def add(self, personas: Iterable[Mapping[str, Any]]) -> None:
        """Add one chunk of persona dicts."""
        texts: list[tuple[int, str]] = []
        for persona in personas:
            index = self.n
            self.n += 1
            facts = checks.read(persona, self.today)
            found = checks.evaluate(facts, self.age_min, self.age_max)
            pid = str(persona.get("id", index))
            for kind in ("violations", "flags"):
                rules = found[kind]
                if rules:
                    self._with[kind] += 1
                for rule in rules:
                    self._counts[kind][rule] += 1
                    ex = self._examples[kind].setdefault(rule, [])
                    if len(ex) < _EXAMPLES:
                        ex.append(pid)
            for field in ("education", "occupation"):
                if facts.get(f"{field}_unclassified"):
                    self._unclassified[field] += 1
            self._tally(facts)
            if facts["first_name"]:
                self._first_names.add(fold(facts["first_name"]))
            bios = persona.get("bios")
            if isinstance(bios, Mapping):
                texts.extend(
                    (index, str(text))
                    for platform, text in bios.items()
                    if _BIO_KEYS.match(str(platform)) and isinstance(text, str) and text.strip()
                )
        if texts:
            self._bios.add(texts)

    def _tally(self, facts: dict[str, Any]) -> None:
        """Count the facts behind the distribution checks of the persona's country."""
        code, age = facts["country_code"], facts["age"]
        if code is None or age is None:
            return
        c = self._countries.get(code)
        if c is None:
            c = self._countries[code] = _Country(len(self._bins))
        b = self._bin_of.get(age)
        if b is not None:
            c.ages[b] += 1
            c.n += 1
            if facts["sex"] == "female":
                c.female += 1
            elif facts["sex"] != "male":
                c.other += 1
        level = facts["education_level"]
        if level is None or age < 25:
            return
        tertiary, doctorate = level in TERTIARY, level == "doctorate"
        c.adults += 1
        c.tert_adults += tertiary
        c.doct_adults += doctorate
        if age <= 64:
            c.n_25_64 += 1
            c.tert_25_64 += tertiary
            c.doct_25_64 += doctorate

    def report(self) -> dict[str, Any]:
        """The realism section of the quality report."""
        n = self.n or 1
        out: dict[str, Any] = {"personas": self.n, "data_version": DATA_VERSION}
        for kind, names in (("violations", VIOLATIONS), ("flags", FLAGS)):
            out[kind] = {
                rule: {"count": self._counts[kind][rule],
                       "examples": self._examples[kind].get(rule, [])}
                for rule in names
            }  # fmt: skip
        out["personas_with_violation"] = _share(self._with["violations"], n)
        out["personas_with_flag"] = _share(self._with["flags"], n)
        out["age_tvd"], out["tertiary_share"], out["doctorate_share"] = {}, {}, {}
        for code, c in sorted(self._countries.items()):
            if c.n:
                female = (c.female + 0.5 * c.other) / c.n
                expected = expected_bins(code, self.age_min, self.age_max, female)
                tvd = 0.5 * sum(abs(k / c.n - e) for k, e in zip(c.ages, expected, strict=True))
                out["age_tvd"][code] = {"tvd": round(tvd, 4), "n": c.n}
            exp = expected_tertiary(code)
            out["tertiary_share"][code] = {
                "25_64": _ratio(c.tert_25_64, c.n_25_64), "adults": _ratio(c.tert_adults, c.adults),
                "expected_25_64": exp["tertiary_25_64"], "n_25_64": c.n_25_64, "n_adults": c.adults,
            }  # fmt: skip
            out["doctorate_share"][code] = {
                "25_64": _ratio(c.doct_25_64, c.n_25_64), "adults": _ratio(c.doct_adults, c.adults),
                "expected_25_64": round(exp["doctorate_25_64"], 4), "max_adults": 0.03,
            }  # fmt: skip
        out["distinct_first_names"] = {"count": len(self._first_names),
                                       "share": round(len(self._first_names) / n, 4)}  # fmt: skip
        dup = self._bios.duplicated()
        out["near_duplicate_bios"] = {
            "share": _ratio(dup, self._bios.texts), "with_near_duplicate": dup,
            "bios": self._bios.texts, "bios_not_checked": self._bios.skipped,
            "threshold": THRESHOLD, "permutations": PERMUTATIONS, "shingles": "words",
        }  # fmt: skip
        out["unclassified"] = dict(self._unclassified)
        return out


def _ratio(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def _share(k: int, n: int) -> dict[str, Any]:
    return {"count": k, "share": round(k / n, 4)}


def realism_report(
    personas: Iterable[Mapping[str, Any]], age_min: int, age_max: int, today: date | None = None
) -> dict[str, Any]:
    """The realism report of a whole collection of stored persona dicts."""
    acc = RealismAccumulator(age_min, age_max, today)
    acc.add(personas)
    return acc.report()
