"""The facts -> probabilities table: how likely grey hair, glasses, a beard or long hair are
at each age, for each presentation. Ages are the points of a piecewise-linear ramp."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

Points = tuple[tuple[int, float], ...]


def _points(text: str) -> Points:
    """Probabilities at ages, a ramp between them: "18:0 30:0.02" -> ((18, 0.0), (30, 0.02))."""
    return tuple((int(age), float(p)) for age, p in (t.split(":") for t in text.split()))


#: P(grey or white hair) by age, whatever the sex. Greying starts in the 30s, about half of people
#: are mostly grey around 60, most are by 75; a few keep their colour (or dye it) to the end.
GREY_BY_AGE: Points = _points("18:0.0 30:0.02 40:0.07 50:0.25 60:0.5 70:0.75 80:0.85 90:0.9")
#: P(glasses) by age, whatever the sex: some short-sighted young people, then reading glasses
#: from the mid 40s (presbyopia). Lower than real prevalence: many wear contacts or take their
#: glasses off for a profile picture.
GLASSES_BY_AGE: Points = _points("18:0.12 40:0.16 50:0.35 60:0.5 75:0.6 90:0.65")
#: P(facial hair) for men by age: sparse at 18, about four in ten men from 25 on.
BEARD_MEN: Points = _points("18:0.2 25:0.42 60:0.45 90:0.38")
#: P(bald) for men by age (pattern baldness: rare at 20, about a third by 70).
BALD_MEN: Points = _points("18:0.01 30:0.06 50:0.18 70:0.3 90:0.35")
#: P(old-face expression, with lines) by age, in styles that have one.
OLD_FACE: Points = _points("18:0.0 55:0.0 70:0.3 90:0.5")


@dataclass(frozen=True)
class Presentation:
    """How hair and facial hair are drawn for one presentation (female, male, mixed)."""

    #: P(long hair) by age; the rest short (or bald, below).
    long: Points
    #: P(bald) by age, taken from the short share.
    bald: Points
    #: P(facial hair) by age.
    beard: Points


#: Women: long hair four times in five when young, shorter with age (six in ten at 70); no facial
#: hair. Men: short hair mostly, one in seven long when young, fewer later; baldness and beards
#: with age. Non-binary (and a persona whose sex and gender are unknown): a real mix of the two.
PRESENTATIONS: dict[str, Presentation] = {
    "female": Presentation(
        long=_points("18:0.8 50:0.72 70:0.6 90:0.55"),
        bald=_points("18:0.0"),
        beard=_points("18:0.0"),
    ),
    "male": Presentation(long=_points("18:0.14 40:0.1 70:0.05"), bald=BALD_MEN, beard=BEARD_MEN),
    "mixed": Presentation(
        long=_points("18:0.5 90:0.4"),
        bald=_points("18:0.02 90:0.08"),
        beard=_points("18:0.08 90:0.15"),
    ),
}

#: Backgrounds behind every style that has a look (DiceBear's usual pastels); from the hash.
BACKGROUNDS = ("b6e3f4", "c0aede", "d1d4f9", "ffd5dc", "ffdfbf", "e0f0e3")


def ramp(points: Points, age: float) -> float:
    """The piecewise-linear value of `points` at `age` (flat before the first, after the last)."""
    if age <= points[0][0]:
        return points[0][1]
    for (a0, p0), (a1, p1) in pairwise(points):
        if age <= a1:
            return p0 + (p1 - p0) * (age - a0) / (a1 - a0)
    return points[-1][1]
