"""Shares of the sampled population match the tables within sampling error (fixed seeds)."""

from __future__ import annotations

from collections import Counter

import pytest

from avatar_data_generator.generation.population import SUPPORTED
from avatar_data_generator.generation.population.ages import age_bins, expected_bins
from avatar_data_generator.generation.population.names import country_lexicon
from avatar_data_generator.generation.population.places import city_in
from avatar_data_generator.generation.population.rules import TERTIARY
from avatar_data_generator.generation.population.tables import table

from .conftest import draw


def _tvd(ages: list[int], sexes: list[str], code: str, lo: int, hi: int) -> float:
    bins = age_bins(lo, hi)
    counts = [0] * len(bins)
    for a in ages:
        counts[next(i for i, (b0, b1) in enumerate(bins) if b0 <= a <= b1)] += 1
    female = sexes.count("female") / len(sexes)
    expected = expected_bins(code, lo, hi, female)
    return 0.5 * sum(abs(c / len(ages) - e) for c, e in zip(counts, expected, strict=True))


@pytest.mark.parametrize("code", SUPPORTED)
def test_age_pyramid_fit(code: str) -> None:
    # Sampling noise alone gives an expected TVD of about 0.024 on 5,000 draws over these 18
    # bins (0.012 on 20,000), so the fit is tested on 20,000 draws at 0.03.
    people = draw(code, 20_000, seed=2027)
    assert _tvd([p.age for p in people], [p.sex for p in people], code, 13, 100) <= 0.03


@pytest.mark.parametrize("code", SUPPORTED)
def test_population_shares(code: str) -> None:
    people = draw(code, 5000, seed=2026)
    assert _tvd([p.age for p in people], [p.sex for p in people], code, 13, 100) <= 0.04

    working_age = [p for p in people if 25 <= p.age <= 64]
    tertiary = sum(p.education_level in TERTIARY for p in working_age) / len(working_age)
    expected = table("education")["countries"][code]["tertiary"][0]
    assert abs(tertiary - expected) <= 0.05, (tertiary, expected)
    adults = [p for p in people if p.age >= 25]
    assert sum(p.education_level == "doctorate" for p in adults) / len(adults) <= 0.03

    employed = [p for p in people if p.life_stage == "employed"]
    groups = Counter(int(p.isco[0]) for p in employed if p.isco)
    target = table("isco")["countries"][code]
    shares = [target[g - 1] if g else target[9] for g in range(10)]
    tvd = 0.5 * sum(abs(groups[g] / len(employed) - shares[g] / sum(shares)) for g in range(10))
    assert tvd <= 0.06, tvd

    natives = [p for p in people if not p.foreign_born]
    lexicon = country_lexicon(code)
    agree = sum(p.sex in lexicon.get(_fold(p.first_name), ()) for p in natives) / len(natives)
    assert agree == 1.0
    assert all(city_in(p.city, code) for p in people)


def _fold(text: str) -> str:
    from avatar_data_generator.generation.population.text import fold

    return fold(text)


def test_age_range_clipping_keeps_the_pyramid() -> None:
    for code in ("NG", "JP", "IN", "IT"):
        people = draw(code, 10_000, seed=7, age_min=18, age_max=65)
        assert _tvd([p.age for p in people], [p.sex for p in people], code, 18, 65) <= 0.03


def test_nigeria_is_young_and_japan_old() -> None:
    ng = draw("NG", 3000, seed=3, age_min=18, age_max=100)
    jp = draw("JP", 3000, seed=3, age_min=18, age_max=100)
    assert sum(p.age >= 65 for p in ng) / 3000 < 0.08
    assert sum(p.age >= 65 for p in jp) / 3000 > 0.30
    assert sum(p.age < 30 for p in ng) / 3000 > 0.35


def test_first_names_are_concentrated_like_real_ones() -> None:
    people = draw("US", 5000, seed=4, age_min=18, age_max=90)
    top10 = sum(n for _, n in Counter(p.first_name for p in people).most_common(10))
    assert 0.10 <= top10 / 5000 <= 0.35
    assert len({p.first_name for p in people}) > 150


def test_retirement_and_work_follow_age() -> None:
    people = draw("DE", 6000, seed=9, age_min=18, age_max=100)
    old = [p for p in people if p.age >= 80]
    assert sum(p.life_stage == "employed" for p in old) / len(old) < 0.05
    mid = [p for p in people if 30 <= p.age <= 50]
    assert 0.70 <= sum(p.life_stage in ("employed", "unemployed") for p in mid) / len(mid) <= 0.95


def test_foreign_born_share_follows_the_table() -> None:
    people = draw("AU", 6000, seed=8)
    share = sum(p.foreign_born for p in people) / len(people)
    expected = sum(table("countries")["countries"]["AU"]["foreign"].values())
    assert abs(share - expected) < 0.02
