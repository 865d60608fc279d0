"""Sex and age from the UN WPP pyramid of each country, clipped to an age range."""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache
from math import fsum  # correctly rounded: the same on every Python (3.12 changed sum())

from avatar_data_generator.generation.population.draw import bisect_floats
from avatar_data_generator.generation.population.tables import table

AGE_MIN, AGE_MAX = 13, 100  # the range a task may ask for
TOP = 100  # the pyramid's last group (100+) is sampled as age 100


def _group_totals(code: str, sex: str) -> list[float]:
    """Persons of one sex in each five-year group 0-4 ... 95-99, 100+."""
    pyr = table("pyramid")["countries"][code]
    ratio = table("sex_ratio")
    bands, shares = ratio["bands"], ratio["countries"][code]
    out: list[float] = []
    for g, total in enumerate(pyr):
        female = shares[next(i for i, upper in enumerate(bands) if 5 * g <= upper)]
        out.append(total * (female if sex == "female" else 1.0 - female))
    return out


@cache
def single_year(code: str, sex: str) -> tuple[float, ...]:
    """Persons of one sex at each age 0..100: a mean-preserving linear slope inside each group."""
    groups = _group_totals(code, sex)
    means = [t / 5 for t in groups[:20]]
    out: list[float] = []
    for g, m in enumerate(means):
        left = means[g - 1] if g > 0 else m
        right = means[g + 1] if g + 1 < len(means) else m / 2
        slope = (right - left) / 10
        slope = max(-m / 2.5, min(m / 2.5, slope))  # keeps every age's weight >= 0
        out.extend(m + slope * (a - 2) for a in range(5))
    out.append(groups[20])
    return tuple(out)


@cache
def cumulative(code: str, sex: str) -> tuple[float, ...]:
    """Running sums of `single_year` (unnormalised)."""
    run = 0.0
    out: list[float] = []
    for w in single_year(code, sex):
        run += w
        out.append(run)
    return tuple(out)


def check_range(age_min: int, age_max: int) -> None:
    """Refuse an age range outside 13..100 or reversed."""
    if not AGE_MIN <= age_min <= age_max <= AGE_MAX:
        raise ValueError(f"age range must satisfy {AGE_MIN} <= age_min <= age_max <= {AGE_MAX}")


def draw_age(cum: tuple[float, ...], age_min: int, age_max: int, u: float) -> int:
    """An age in [age_min, age_max] from one sex's cumulative pyramid."""
    lo = cum[age_min - 1] if age_min > 0 else 0.0
    x = lo + u * (cum[age_max] - lo)
    a = bisect_floats(cum, x)
    return age_min if a < age_min else age_max if a > age_max else a


@lru_cache(maxsize=1024)
def age_bins(age_min: int, age_max: int) -> tuple[tuple[int, int], ...]:
    """The five-year groups of the pyramid clipped to the range (the TVD bins)."""
    out = []
    for g in range(21):
        lo, hi = 5 * g, (5 * g + 4 if g < 20 else TOP)
        lo, hi = max(lo, age_min), min(hi, age_max)
        if lo <= hi:
            out.append((lo, hi))
    return tuple(out)


@lru_cache(maxsize=4096)
def _sex_bins(code: str, age_min: int, age_max: int, sex: str) -> tuple[float, ...]:
    """Each TVD bin's share of one sex's people in the range (a report per task asks again)."""
    years = single_year(code, sex)
    total = fsum(years[age_min : age_max + 1])
    return tuple(fsum(years[lo : hi + 1]) / total for lo, hi in age_bins(age_min, age_max))


def expected_bins(code: str, age_min: int, age_max: int, female_share: float) -> list[float]:
    """Expected share of each TVD bin for a given share of women."""
    female = _sex_bins(code, age_min, age_max, "female")
    male = _sex_bins(code, age_min, age_max, "male")
    return [female_share * f + (1.0 - female_share) * m for f, m in zip(female, male, strict=True)]


_SPANS: dict[tuple[date, int], tuple[int, int]] = {}


def date_of_birth(today: date, age: int, u: float) -> date:
    """A birth date that makes the person `age` years old on `today`, uniform over that year."""
    span = _SPANS.get((today, age))
    if span is None:
        latest = _years_back(today, age).toordinal()
        earliest = _years_back(today, age + 1).toordinal() + 1
        span = _SPANS[(today, age)] = (latest, latest - earliest + 1)
        if len(_SPANS) > 100_000:
            _SPANS.clear()
    return date.fromordinal(span[0] - int(u * span[1]))


def _years_back(d: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def age_on(today: date, born: date) -> int:
    """Completed years on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# Birth dates as ISO texts: a century holds 36,525 days, so they recur, and date.isoformat
# costs almost as much as building the rest of a persona's dict.
_ISO: dict[date, str] = {}


def iso_date(day: date) -> str:
    """`day.isoformat()`, kept for the next person born that day."""
    got = _ISO.get(day)
    if got is None:
        if len(_ISO) >= 100_000:
            _ISO.clear()
        got = _ISO[day] = day.isoformat()
    return got
