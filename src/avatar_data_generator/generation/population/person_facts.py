"""What the sampler decides about one person (`PersonFacts`), and its persona fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from avatar_data_generator.generation.population import ages as _ages


# Not frozen, and its __init__ written out: mypyc compiles a written __init__ but leaves a
# dataclass's generated one to Python, and a frozen one sets each of the 28 fields through
# object.__setattr__ (together about one in twenty of a persona's microseconds, measured).
@dataclass(slots=True, init=False)
class PersonFacts:
    """The sampled facts of one person (texts in the country's main language)."""

    country_code: str
    country: str
    region: str
    city: str
    nationality: str
    foreign_born: bool
    sex: str
    gender: str
    age: int
    date_of_birth: date
    life_stage: str
    education_level: str
    education: str
    occupation: str
    occupation_en: str
    occupation_key: str
    isco: str | None
    first_name: str
    last_name: str
    first_name_latin: str
    last_name_latin: str
    interests: tuple[str, ...]
    interest_keys: tuple[str, ...]
    big_five: dict[str, int]
    personality: str
    username: str
    email: str
    language: str

    def __init__(
        self,
        country_code: str,
        country: str,
        region: str,
        city: str,
        nationality: str,
        foreign_born: bool,
        sex: str,
        gender: str,
        age: int,
        date_of_birth: date,
        life_stage: str,
        education_level: str,
        education: str,
        occupation: str,
        occupation_en: str,
        occupation_key: str,
        isco: str | None,
        first_name: str,
        last_name: str,
        first_name_latin: str,
        last_name_latin: str,
        interests: tuple[str, ...],
        interest_keys: tuple[str, ...],
        big_five: dict[str, int],
        personality: str,
        username: str,
        email: str,
        language: str,
    ) -> None:
        self.country_code = country_code
        self.country = country
        self.region = region
        self.city = city
        self.nationality = nationality
        self.foreign_born = foreign_born
        self.sex = sex
        self.gender = gender
        self.age = age
        self.date_of_birth = date_of_birth
        self.life_stage = life_stage
        self.education_level = education_level
        self.education = education
        self.occupation = occupation
        self.occupation_en = occupation_en
        self.occupation_key = occupation_key
        self.isco = isco
        self.first_name = first_name
        self.last_name = last_name
        self.first_name_latin = first_name_latin
        self.last_name_latin = last_name_latin
        self.interests = interests
        self.interest_keys = interest_keys
        self.big_five = big_five
        self.personality = personality
        self.username = username
        self.email = email
        self.language = language

    def as_persona(self) -> dict[str, Any]:
        """The persona fields of the contract (and the grounded ones) as JSON-ready values."""
        return {
            "first_name": self.first_name, "last_name": self.last_name, "gender": self.gender,
            "date_of_birth": _ages.iso_date(self.date_of_birth), "age": self.age,
            "country": self.country, "city": self.city, "nationality": self.nationality,
            "occupation": self.occupation, "education": self.education,
            "interests": list(self.interests), "personality": self.personality,
            "username": self.username, "email": self.email, "region": self.region,
            "life_stage": self.life_stage, "big_five": dict(self.big_five),
            "education_level": self.education_level, "occupation_key": self.occupation_key,
            "sex": self.sex, "country_code": self.country_code,
        }  # fmt: skip
