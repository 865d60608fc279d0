"""Realism audit of the offline generator: 5,000 personas a country, through the worker's path.

    python -m benchmarks.bench_realism [--quick] [--per-country N] [--countries DE,FR,...]

Each country is one task's worth of batches of 100 (seeded, as a task with a seed), drawn by
LocalProvider and kept by validate_batch exactly as the worker stores them; the realism report
the app writes on every task is then taken over them. Figures: hard contradictions and softer
flags, age TVD against the WPP tables, doctorate and tertiary shares against the country's
published figures, cities, names and nationalities; the same seed twice (bytes), and the same
seed with another locale (birth dates at the same position). Bios: the share identified as the
persona's language (by default each persona writes in its own), distinct skeletons per platform
(the bio with the persona's facts replaced by slots), bios whose job title has the other sex's
form (de, fr, es, it), and bios with a hashtag before the end.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse
from avatar_data_generator.generation.bio_audit import BioAudit
from avatar_data_generator.generation.bio_settings import default_bio_settings
from avatar_data_generator.generation.bios import skeleton
from avatar_data_generator.generation.local import LocalProvider
from avatar_data_generator.generation.pipeline import validate_batch
from avatar_data_generator.generation.population import SUPPORTED, PersonFacts, occupation_title
from avatar_data_generator.generation.population.realism import realism_report

HARD = (
    "doctorate_under_25", "master_under_22", "bachelor_under_20", "occupation_below_min_age",
    "job_under_16", "retired_under_50",
)  # fmt: skip
AS_OF = date(2026, 12, 1)
BATCH = 100


Person = tuple[PersonFacts, dict[str, Any]]
GENDERED = frozenset(("de", "fr", "es", "it"))


def _task(
    code: str, count: int, seed: int, locale: str = "en"
) -> tuple[list[dict[str, Any]], list[Person]]:
    """One seeded task of `count` people from one country: stored personas, and the people."""
    settings = {**default_bio_settings(), "countries": [code], "age_min": 13, "age_max": 90}
    provider = LocalProvider({})
    stored: list[dict[str, Any]] = []
    people: list[Person] = []
    for index in range((count + BATCH - 1) // BATCH):
        request = BatchRequest(
            f"audit-{code}", index, min(BATCH, count - index * BATCH), locale, settings,
            seed=seed * 1_000_003 + index, as_of=AS_OF, facts="sampled",
        )  # fmt: skip
        batch = provider.people(request)
        people.extend(batch)
        response = ProviderResponse(items=[p for _, p in batch], model="local", trusted=True)
        stored.extend(validate_batch(request, response).personas)
    return stored, people


def _wrong_gender(facts: PersonFacts, bios: dict[str, str]) -> int:
    """Bios naming the job in the other sex's form only (Lehrer for a woman, not Lehrerin)."""
    lang = facts.language
    if lang not in GENDERED or facts.life_stage != "employed":
        return 0
    own = occupation_title(facts.occupation_key, lang, facts.sex)
    other = occupation_title(
        facts.occupation_key, lang, "male" if facts.sex == "female" else "female"
    )
    if own.lower() == other.lower():
        return 0

    def word(text: str) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w){re.escape(text.lower())}(?!\w)")

    mine, theirs = word(own), word(other)
    return sum(1 for b in bios.values() if theirs.search(b.lower()) and not mine.search(b.lower()))


def _bios(people: list[Person]) -> dict[str, Any]:
    """The bio figures of one country's people."""
    audit = BioAudit(None)
    audit.add(persona for _, persona in people)
    report = audit.report()
    shapes: dict[str, set[str]] = {}
    wrong = 0
    for facts, persona in people:
        for platform, bio in persona["bios"].items():
            shapes.setdefault(platform, set()).add(skeleton(bio, facts))
        wrong += _wrong_gender(facts, persona["bios"])
    return {
        "bio_language_share": report["bio_language"]["share"],
        "bio_language_confused": report["bio_language"]["confused"],
        "bio_skeletons": {platform: len(s) for platform, s in shapes.items()},
        "bios_wrong_gender_title": wrong,
        "bios_hashtag_before_end": report["hashtags_not_at_end"]["count"],
    }


def _country(code: str, per_country: int) -> dict[str, Any]:
    """The audit figures of one country."""
    personas, people = _task(code, per_country, seed=42)
    report = realism_report(personas, 13, 90, AS_OF)
    n = report["personas"]
    violations = {k: v["count"] for k, v in report["violations"].items()}
    flags = {k: v["count"] for k, v in report["flags"].items()}
    tertiary = report["tertiary_share"][code]
    again, _ = _task(code, min(per_country, 1000), seed=42)
    other, _ = _task(code, min(per_country, 1000), seed=42, locale="de")
    same_dob = sum(
        a["date_of_birth"] == b["date_of_birth"] for a, b in zip(again, other, strict=False)
    )
    return {
        "personas": n,
        "hard_contradictions": sum(violations[k] for k in HARD),
        "any_violation": report["personas_with_violation"]["count"],
        "soft_flag_share": report["personas_with_flag"]["share"],
        "age_tvd": report["age_tvd"][code]["tvd"],
        "doctorate_share_adults": report["doctorate_share"][code]["adults"],
        "tertiary_25_64": tertiary["25_64"],
        "tertiary_expected_25_64": tertiary["expected_25_64"],
        "tertiary_gap_points": round(
            100 * abs((tertiary["25_64"] or 0) - tertiary["expected_25_64"]), 1
        ),
        "cities_inside_country_share": round(1 - violations["city_outside_country"] / n, 4),
        "first_names_agree_with_sex_share": round(
            1 - (violations["name_vs_sex"] + flags["name_sex_unusual"]) / n, 4
        ),
        "nationality_demonym_share": round(1 - flags["nationality_not_demonym"] / n, 4),
        "same_seed_identical": json.dumps(again) == json.dumps(personas[: len(again)]),
        "other_locale_same_dob_share": round(same_dob / len(again), 4),
        "flags": {k: v for k, v in flags.items() if v},
        **_bios(people),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Audit the chosen countries and print the figures as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 countries, not all 26")
    parser.add_argument("--per-country", type=int, default=None)
    parser.add_argument("--countries", default="", help="comma-separated codes (default: all)")
    args = parser.parse_args(argv)
    per_country = args.per_country or 5000
    codes = [c.strip().upper() for c in args.countries.split(",") if c.strip()]
    if not codes:
        codes = ["DE", "FR", "JP", "EG"] if args.quick else list(SUPPORTED)
    countries = {code: _country(code, per_country) for code in codes}
    rows = countries.values()
    result: dict[str, Any] = {
        "realism_per_country": per_country,
        "realism_countries": len(codes),
        "realism_hard_contradictions": sum(r["hard_contradictions"] for r in rows),
        "realism_max_soft_flag_share": max(r["soft_flag_share"] for r in rows),
        "realism_max_age_tvd": max(r["age_tvd"] for r in rows),
        "realism_max_doctorate_share": max(r["doctorate_share_adults"] or 0 for r in rows),
        "realism_max_tertiary_gap_points": max(r["tertiary_gap_points"] for r in rows),
        "realism_min_cities_inside_share": min(r["cities_inside_country_share"] for r in rows),
        "realism_min_names_agree_share": min(r["first_names_agree_with_sex_share"] for r in rows),
        "realism_min_demonym_share": min(r["nationality_demonym_share"] for r in rows),
        "realism_same_seed_identical": all(r["same_seed_identical"] for r in rows),
        "realism_max_other_locale_same_dob_share": max(
            r["other_locale_same_dob_share"] for r in rows
        ),
        "bios_min_language_share": min(r["bio_language_share"] or 0 for r in rows),
        "bios_min_skeletons_per_platform": min(min(r["bio_skeletons"].values()) for r in rows),
        "bios_wrong_gender_title": sum(r["bios_wrong_gender_title"] for r in rows),
        "bios_hashtag_before_end": sum(r["bios_hashtag_before_end"] for r in rows),
        "realism_by_country": countries,
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


def run(quick: bool) -> dict[str, Any]:
    """For benchmarks.run: the summary figures (the per-country table goes to the samples)."""
    result = main(["--quick"] if quick else [])
    by_country = result.pop("realism_by_country")
    return {**result, "_samples": {"realism_by_country": by_country}}


if __name__ == "__main__":
    main(sys.argv[1:])
