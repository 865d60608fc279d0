"""Turn a provider's raw items into valid, normalised personas (first version)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from avatar_data_generator.generation.base import BatchOutcome, BatchRequest, ProviderResponse


def _age(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def validate_batch(
    request: BatchRequest, response: ProviderResponse, avatar_style: str = "thumbs"
) -> BatchOutcome:
    """Validate each raw item on its own and keep the good ones."""
    today = date.today()
    personas: list[dict[str, Any]] = []
    rejected = 0
    for raw in response.items:
        try:
            dob = date.fromisoformat(raw["date_of_birth"])
            persona = dict(raw)
            persona["id"] = str(uuid.uuid4())
            persona["age"] = _age(dob, today)
            persona["synthetic"] = True
            seed = persona["username"]
            persona["avatar"] = {
                "style": avatar_style,
                "seed": seed,
                "url": f"/avatars/{avatar_style}/{seed}.svg",
            }
            personas.append(persona)
        except (KeyError, TypeError, ValueError):
            rejected += 1
    quality = {"asked": request.count, "received": len(response.items), "rejected": rejected}
    return BatchOutcome(personas=personas, quality=quality, tokens=response.tokens)


def dedupe_key(persona: dict[str, Any]) -> str:
    """Normalised first + last name and birth date: two personas alike here are duplicates."""
    import unicodedata

    name = f"{persona['first_name']} {persona['last_name']}"
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return (
        f"{' '.join(''.join(c for c in folded if c.isalnum() or c == ' ').split())}|"
        f"{persona['date_of_birth']}"
    )
