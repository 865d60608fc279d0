"""A persona as a provider writes it: the fields, their caps, and the pydantic model that checks
one item field by field (the batch around it is `pipeline`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator

from avatar_data_generator.generation.bio_settings import GENDERS
from avatar_data_generator.generation.graphemes import squash_bio
from avatar_data_generator.generation.population.personality import TRAITS
from avatar_data_generator.generation.population.rules import EDUCATION, STAGES

#: The persona fields every provider must deliver (the app adds id, age, avatar, synthetic).
PERSONA_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "date_of_birth",
    "country",
    "city",
    "nationality",
    "occupation",
    "education",
    "interests",
    "personality",
    "username",
    "email",
    "bios",
)
_GENDER_ALIASES = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "male": "male",
    "m": "male",
    "man": "male",
    "non-binary": "non-binary",
    "nonbinary": "non-binary",
    "non binary": "non-binary",
    "non_binary": "non-binary",
    "nb": "non-binary",
    "enby": "non-binary",
}
#: Caps on what one persona may hold: longer texts reject the persona, longer lists are cut.
MAX_NAME = 100
MAX_PLACE = 100
MAX_JOB = 200
MAX_TEXT = 300
MAX_INTERESTS = 10
MAX_INTEREST = 60

# Short one-line texts: stripped, not empty, not huge (checked in pydantic-core, fast).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PLACE)]
Job = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_JOB)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,60}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
#: Grounded fields that carry one word of a known set.
_KNOWN = {"life_stage": STAGES, "education_level": EDUCATION, "sex": ("female", "male")}
#: Grounded fields copied into the persona as they came (checked above).
GROUNDED = (
    "region",
    "life_stage",
    "education_level",
    "occupation_key",
    "sex",
    "country_code",
    "big_five",
)


class PersonaIn(BaseModel):
    """One persona as a provider wrote it, checked and normalised field by field."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    first_name: Name
    last_name: Name
    gender: str
    date_of_birth: date
    country: Place
    city: Place
    nationality: Place
    occupation: Job
    education: Job
    interests: list[str]
    personality: Text
    username: Text
    email: Text
    bios: dict[str, str]
    # Grounded facts (the population sampler's; a model may send them too): all optional.
    region: Place | None = None
    life_stage: str | None = None
    education_level: str | None = None
    occupation_key: Key | None = None
    sex: str | None = None
    country_code: Code | None = None
    big_five: dict[str, int] | None = None

    @field_validator("life_stage", "education_level", "sex")
    @classmethod
    def _known(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value not in _KNOWN[info.field_name or ""]:
            raise ValueError(f"must be one of {', '.join(_KNOWN[info.field_name or ''])}")
        return value

    @field_validator("big_five")
    @classmethod
    def _traits(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        if set(value) != set(TRAITS) or not all(0 <= v <= 100 for v in value.values()):
            raise ValueError(f"needs {', '.join(TRAITS)}, each a score from 0 to 100")
        return {trait: value[trait] for trait in TRAITS}

    @field_validator("gender", mode="before")
    @classmethod
    def _gender(cls, value: Any) -> str:
        gender = _GENDER_ALIASES.get(str(value).strip().lower())
        if gender is None:
            raise ValueError(f"must be one of {', '.join(GENDERS)}")
        return gender

    @field_validator("interests", mode="before")
    @classmethod
    def _interests(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in re.split(r"[,;]", value)]
        if isinstance(value, list):
            value = [
                " ".join(v.split())
                for v in value
                if isinstance(v, str | int | float) and not isinstance(v, bool)
                for v in [str(v)]
                if v.strip() and len(v) <= MAX_INTEREST
            ][:MAX_INTERESTS]
            if not value:
                raise ValueError("needs at least one interest")
        return value

    @field_validator("bios", mode="before")
    @classmethod
    def _bios(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): squash_bio(v) for k, v in value.items() if isinstance(v, str)}
        return value


def age_on(dob: date, today: date) -> int:
    """Whole years between `dob` and `today`."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
