"""A persona as a model would write it: plausible, with the usual slips (a Gmail address)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

GENDERS = ("female", "male", "non-binary")


def fake_persona(rng: random.Random, n: int) -> dict[str, Any]:
    """A plausible persona as a model would write it."""
    gender = rng.choice(GENDERS)
    first = rng.choice(["Ana", "Ben", "Chen", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo"])
    last = rng.choice(["Lopez", "Meyer", "Ng", "Okoro", "Patel", "Quinn", "Rossi", "Sato"])
    dob = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
    tag = rng.randrange(10**9)
    return {
        "first_name": first,
        "last_name": f"{last}{tag % 1000}",
        "gender": gender,
        "date_of_birth": dob.isoformat(),
        "age": 99,
        "country": "Canada",
        "city": "Toronto",
        "nationality": "Canadian",
        "occupation": "analyst",
        "education": "BSc",
        "interests": ["chess", "running"],
        "personality": "calm",
        "username": f"{first.lower()}_{tag}",
        "email": f"{first.lower()}.{tag}@gmail.com",
        "bios": {"x": f"{first} likes chess #{n}", "instagram": f"{first} runs"},
    }
