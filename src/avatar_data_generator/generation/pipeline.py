"""Turn a provider's raw items into valid, normalised, distinct personas.

Each item is validated on its own (a bad one costs only itself), normalised where models go
wrong (the age, the e-mail domain, over-long bios), and dropped if it repeats an earlier one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from avatar_data_generator.generation.base import BatchOutcome, BatchRequest, ProviderResponse
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.generation.graphemes import grapheme_count, squash, trim_to_graphemes
from avatar_data_generator.generation.identity import (
    EMAIL_SHAPE,
    avatar_for,
    dedupe_key,
    handle,
    is_reserved_email,
    reserved_email,
)
from avatar_data_generator.generation.persona_schema import GROUNDED, PersonaIn, age_on
from avatar_data_generator.generation.sanitize import TooDeep, clean_value

_PLATFORM_ALIASES = {"twitter": "x", "ig": "instagram", "fb": "facebook", "tik tok": "tiktok"}
#: The namespace of the ids of seeded personas (uuid5 of the batch seed and the position).
_IDS = uuid.UUID("6f1c2a55-0d7e-4f0e-9d4b-5a2b8e7c3d10")


def _error_reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "item"
    return f"missing_{field}" if first["type"] == "missing" else f"invalid_{field}"


@dataclass
class Tally:
    """What validating one batch saw, for the quality report."""

    rejected: Counter[str] = field(default_factory=Counter)
    bios_trimmed: int = 0
    bios_dropped: int = 0
    emails_rewritten: int = 0
    duplicates_dropped: int = 0

    def report(
        self, request: BatchRequest, response: ProviderResponse, personas: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The batch's quality report (the task's is the sum of its batches')."""
        genders = Counter(p["gender"] for p in personas)
        return {
            "asked": request.count,
            "received": len(response.items),
            "valid": len(personas),
            "repaired": int(response.repaired),
            "truncated": int(response.truncated),
            "rejected": dict(self.rejected),
            "bios_trimmed": self.bios_trimmed,
            "bios_dropped": self.bios_dropped,
            "emails_rewritten": self.emails_rewritten,
            "duplicates_dropped": self.duplicates_dropped,
            "gender": dict(genders),
            "facts_overridden": response.facts_overridden,
            "answers_unmatched": response.answers_unmatched,
        }


class Deduper:
    """Refuses a persona whose name and birth date, handle or e-mail came earlier in the batch."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._users: set[str] = set()
        self._emails: set[str] = set()

    def first_time(self, key: str, username: str, email: str) -> bool:
        """True (and remembered) unless one of the three was seen before."""
        user = username.casefold()
        if key in self._keys or user in self._users or email in self._emails:
            return False
        self._keys.add(key)
        self._users.add(user)
        self._emails.add(email)
        return True


def _checked(
    raw: Any, today: date, ages: tuple[int, int], tally: Tally, trusted: bool
) -> PersonaIn | None:
    """The item as a valid persona, or None (its reason counted) when it is not one."""
    if not isinstance(raw, dict):
        tally.rejected["not_an_object"] += 1
        return None
    try:
        # Control characters, bidi overrides and lone surrogates go before anything else.
        item = PersonaIn.model_validate(raw if trusted else clean_value(raw))
    except TooDeep:
        tally.rejected["nested_too_deeply"] += 1
        return None
    except ValidationError as exc:
        tally.rejected[_error_reason(exc)] += 1
        return None
    if item.date_of_birth > today:
        tally.rejected["invalid_date_of_birth"] += 1
        return None
    if not ages[0] <= age_on(item.date_of_birth, today) <= ages[1]:
        tally.rejected["age_out_of_range"] += 1
        return None
    return item


def _bios(written: dict[str, str], limits: dict[str, int], tally: Tally) -> dict[str, str]:
    """The bios of enabled platforms (aliases understood), each within its limit."""
    bios: dict[str, str] = {}
    for key, text in written.items():
        folded = key if key in limits else key.strip().lower()
        platform = _PLATFORM_ALIASES.get(folded, folded)
        if platform not in limits or not text:
            tally.bios_dropped += 1
            continue
        limit = int(limits[platform])
        if len(text) > limit and grapheme_count(text) > limit:
            text = trim_to_graphemes(text, limit)
            tally.bios_trimmed += 1
            if not text:
                tally.bios_dropped += 1
                continue
        bios[platform] = text
    return bios


def _persona(item: PersonaIn, today: date, limits: dict[str, int], tally: Tally) -> dict[str, Any]:
    """The contract's persona from a valid item: age derived, e-mail on a reserved domain,
    the grounded facts it carries kept."""
    born = item.date_of_birth.isoformat()
    username = handle(item.username, item.first_name, item.last_name, born)
    email = item.email.lower()
    if not EMAIL_SHAPE.fullmatch(email) or not is_reserved_email(email):
        email = reserved_email(email, username)
        tally.emails_rewritten += 1
    return {
        "id": str(uuid.uuid4()),
        "first_name": squash(item.first_name),
        "last_name": squash(item.last_name),
        "gender": item.gender,
        "date_of_birth": born,
        "age": age_on(item.date_of_birth, today),
        "country": squash(item.country),
        "city": squash(item.city),
        "nationality": squash(item.nationality),
        "occupation": squash(item.occupation),
        "education": squash(item.education),
        "interests": item.interests,
        "personality": squash(item.personality),
        "username": username,
        "email": email,
        "bios": _bios(item.bios, limits, tally),
    } | {name: value for name in GROUNDED if (value := getattr(item, name)) is not None}


def validate_batch(
    request: BatchRequest, response: ProviderResponse, avatar_style: str = "open-peeps"
) -> BatchOutcome:
    """Validate each raw item on its own, keep the good ones, fix what can be fixed.

    A seeded batch gets ids derived from its seed, so a seeded task is the same bit for bit.
    """
    today = request.as_of or date.today()
    settings = request.bio_settings or {}
    limits: dict[str, int] = dict(settings.get("platforms") or PLATFORM_LIMITS)
    ages = (int(settings.get("age_min", 0)), int(settings.get("age_max", 130)))
    tally, deduper = Tally(), Deduper()
    personas: list[dict[str, Any]] = []
    keys: list[str] = []
    for raw in response.items:
        item = _checked(raw, today, ages, tally, response.trusted)
        if item is None:
            continue
        persona = _persona(item, today, limits, tally)
        key = dedupe_key(persona)
        if not deduper.first_time(key, persona["username"], persona["email"]):
            tally.duplicates_dropped += 1
            continue
        if request.seed is not None:
            persona["id"] = str(uuid.uuid5(_IDS, f"{request.seed}:{len(personas)}"))
        persona["avatar"] = avatar_for(avatar_style, persona, key)
        persona["synthetic"] = True
        personas.append(persona)
        keys.append(key)
        if len(personas) == request.count:
            break  # a model that sends more than asked: the rest is not looked at
    return BatchOutcome(
        personas=personas,
        keys=keys,
        quality=tally.report(request, response, personas),
        tokens=response.tokens,
        tokens_in=response.tokens_in,
        tokens_out=response.tokens_out,
        model=response.model,
    )
