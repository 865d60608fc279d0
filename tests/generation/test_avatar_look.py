"""Avatar options chosen from the facts: plausible by sex and age, skin tone from the hash alone."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from avatar_data_generator.generation import avatar_look
from avatar_data_generator.generation.avatar_look import LOOKS, describe, style_palette
from avatar_data_generator.generation.identity import avatar_for

STYLE = "open-peeps"
N = 2400

JP = (["Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Sota"], ["Sato", "Suzuki", "Takahashi", "Ito"])
NG = (
    ["Chinedu", "Amaka", "Emeka", "Ngozi", "Tunde", "Bisi"],
    ["Okafor", "Adeyemi", "Eze", "Bello"],
)


def people(
    n: int,
    gender: str | None,
    ages: tuple[int, int] = (18, 90),
    names: tuple[list[str], list[str]] = (["Ana", "Ben", "Chen", "Dara"], ["Diaz", "Ekland"]),
    country: str = "ES",
    seed: int = 1,
) -> list[dict[str, Any]]:
    """`n` synthetic personas of one gender (None: sex only, no gender), distinct by username."""
    rng = random.Random(f"{seed}|{gender}|{country}|{ages}")
    out = []
    for i in range(n):
        age = rng.randint(*ages)
        first, last = rng.choice(names[0]), rng.choice(names[1])
        persona: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "age": age,
            "date_of_birth": (date(2025, 1, 1) - timedelta(days=365 * age + i % 300)).isoformat(),
            "username": f"{first.lower()}.{last.lower()}{i}",
            "country_code": country,
        }
        if gender is None:
            persona["sex"] = rng.choice(["female", "male"])
        else:
            persona["gender"] = gender
            if gender != "non-binary":
                persona["sex"] = gender
        out.append(persona)
    return out


def looks(personas: list[dict[str, Any]], style: str = STYLE) -> list[dict[str, Any]]:
    out = []
    for p in personas:
        shown = describe(style, avatar_for(style, p)["seed"])
        assert shown is not None
        out.append(shown)
    return out


def share(rows: list[dict[str, Any]], test: Callable[[dict[str, Any]], bool]) -> float:
    return sum(1 for r in rows if test(r)) / len(rows)


def test_the_table_names_only_what_the_styles_have() -> None:
    for style, look in LOOKS.items():
        hair = avatar_look.style_variants(style, look.hair)
        assert {*look.long, *look.short, *look.bald} <= hair, style
        assert set(look.men_long) <= set(look.long), style
        assert set(look.women_short) <= {*look.long, *look.short}, style
        assert look.grey is None or set(look.grey) <= {*look.long, *look.short, *look.bald}
        assert not set(look.long) & set(look.short) and not set(look.short) & set(look.bald)
        assert set(look.beards) <= avatar_look.style_variants(style, look.facial_hair)
        assert set(look.grey_beards or ()) <= set(look.beards)
        assert set(look.glasses_variants) <= avatar_look.style_variants(style, look.glasses)
        if look.expression:
            faces = avatar_look.style_variants(style, look.expression)
            assert {*look.expressions, *look.old_face} <= faces, style
            assert set(look.closed_mouths) <= set(look.expressions), style
        if look.hair_color:
            assert (
                look.greys and look.natural and not set(look.greys) & {c for c, _ in look.natural}
            )


@pytest.mark.parametrize("style", sorted(LOOKS))
def test_hair_and_beards_follow_sex(style: str) -> None:
    women, men = looks(people(N, "female"), style), looks(people(N, "male"), style)
    mixed = looks(people(N, "non-binary"), style)
    beard = {name: share(rows, lambda r: r["beard"]) for name, rows in
             (("women", women), ("men", men), ("non-binary", mixed))}  # fmt: skip
    long = {name: share(rows, lambda r: r["hair"] == "long") for name, rows in
            (("women", women), ("men", men), ("non-binary", mixed))}  # fmt: skip
    print(style, "beard", beard, "long (or chin-length)", long)
    assert beard["women"] == 0
    assert 0.32 <= beard["men"] <= 0.5
    assert 0.06 <= beard["non-binary"] <= 0.18
    assert long["women"] >= 0.65 and long["men"] <= 0.15
    assert 0.3 <= long["non-binary"] <= 0.6
    # Real variety both ways: short-haired women, long-haired men.
    assert share(women, lambda r: r["hair"] != "long") >= 0.05
    assert long["men"] >= 0.04
    if LOOKS[style].bald:
        assert share(women, lambda r: r["hair"] == "bald") == 0
        assert 0.1 <= share(men, lambda r: r["hair"] == "bald") <= 0.3


@pytest.mark.parametrize("style", sorted(LOOKS))
def test_grey_hair_and_glasses_follow_age(style: str) -> None:
    young = looks(people(N // 2, "female", (18, 29)) + people(N // 2, "male", (18, 29)), style)
    old = looks(people(N // 2, "female", (70, 90)) + people(N // 2, "male", (70, 90)), style)
    grey = share(young, lambda r: r["grey"]), share(old, lambda r: r["grey"])
    glasses = share(young, lambda r: r["glasses"]), share(old, lambda r: r["glasses"])
    print(style, "grey under 30 / 70+", grey, "glasses", glasses)
    assert grey[0] <= 0.03 and grey[1] >= 0.6
    assert glasses[0] <= 0.2 and glasses[1] >= 0.5
    middle = looks(people(N, "male", (40, 49)), style)
    assert grey[0] < share(middle, lambda r: r["grey"]) < grey[1]


def test_skin_tone_has_no_link_to_country_or_name() -> None:
    palette = style_palette(STYLE, "skin")
    japan = Counter(r["skin"] for r in looks(people(N, "female", names=JP, country="JP")))
    nigeria = Counter(r["skin"] for r in looks(people(N, "female", names=NG, country="NG")))
    assert set(japan) == set(nigeria) == set(palette)  # the whole palette, in both
    # Chi-square test of independence on the 2 x 5 table; 18.47 is p = 0.001 at 4 df.
    total = N * 2
    chi2 = 0.0
    for tone in palette:
        column = japan[tone] + nigeria[tone]
        for counts in (japan, nigeria):
            expected = N * column / total
            chi2 += (counts[tone] - expected) ** 2 / expected
    print("skin JP", dict(japan), "NG", dict(nigeria), "chi2", round(chi2, 2))
    assert chi2 < 18.47
    for counts in (japan, nigeria):
        assert all(0.15 <= counts[tone] / N <= 0.25 for tone in palette)


def test_the_same_persona_always_gets_the_same_picture() -> None:
    for p in people(200, "male", seed=7):
        assert avatar_for(STYLE, p) == avatar_for(STYLE, {**p}) == avatar_for(STYLE, p, None)
    seeds = {avatar_for(STYLE, p)["seed"] for p in people(500, "female", seed=8)}
    assert len(seeds) == 500


def test_sex_decides_when_there_is_no_gender() -> None:
    rows = people(N, None)
    shown = looks(rows)
    men = [s for p, s in zip(rows, shown, strict=True) if p["sex"] == "male"]
    women = [s for p, s in zip(rows, shown, strict=True) if p["sex"] == "female"]
    assert share(women, lambda r: r["beard"]) == 0 < share(men, lambda r: r["beard"])
    assert avatar_look.presentation({"gender": "non-binary", "sex": "male"}) == "mixed"
    assert avatar_look.presentation({}) == "mixed"


def test_seed_round_trips_and_is_strict() -> None:
    for p in people(100, "non-binary", seed=3):
        for style in LOOKS:
            seed = avatar_for(style, p)["seed"]
            decoded = avatar_look.decode(style, seed)
            assert decoded is not None and avatar_look.encode(*decoded) == seed
            assert avatar_look.decode("thumbs", seed) is None
            for other in LOOKS.keys() - {style}:  # each style's seeds carry other keys
                assert avatar_look.decode(other, seed) is None
    assert avatar_look.decode("thumbs", "abc123") == ("abc123", {})
    assert avatar_look.dicebear_options("thumbs", "abc123", {}) == {"seed": "abc123"}


def test_ramp() -> None:
    points = ((20, 0.0), (40, 1.0))
    assert avatar_look.ramp(points, 10) == 0.0
    assert avatar_look.ramp(points, 30) == pytest.approx(0.5)
    assert avatar_look.ramp(points, 99) == 1.0
