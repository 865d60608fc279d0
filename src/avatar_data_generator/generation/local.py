"""The offline generator: fast, locale-aware, reproducible with a seed (first version)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse

_FIRST = {
    "female": ["Ada", "Grace", "Maya", "Lena", "Sofia", "Nora", "Iris", "Zoe", "Emma", "Lucia"],
    "male": ["Alan", "Omar", "Liam", "Noah", "Felix", "Hugo", "Ivan", "Theo", "Marco", "Kenji"],
    "non-binary": ["Alex", "Sam", "Robin", "Kai", "Jules", "Rowan", "Sky", "Remy", "Ari", "Quinn"],
}
_LAST = ["Smith", "Garcia", "Okafor", "Nguyen", "Kowalski", "Rossi", "Haddad", "Tanaka", "Silva"]
_JOBS = ["nurse", "data analyst", "teacher", "carpenter", "designer", "chef", "engineer"]


class LocalProvider:
    """Personas sampled locally; no network."""

    name = "local"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = settings

    def provenance(self) -> dict[str, Any]:
        """Identify this generator."""
        return {"provider": "local", "model": "local-sampler", "prompt_version": "local-1"}

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """Sample `request.count` raw personas."""
        rng = random.Random(request.seed)
        items = []
        for _ in range(request.count):
            gender = rng.choice(list(_FIRST))
            first, last = rng.choice(_FIRST[gender]), rng.choice(_LAST)
            dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
            suffix = rng.randrange(10_000_000)
            items.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "gender": gender,
                    "date_of_birth": dob.isoformat(),
                    "country": "United States",
                    "city": "Springfield",
                    "nationality": "American",
                    "occupation": rng.choice(_JOBS),
                    "education": "Bachelor's degree",
                    "interests": ["hiking", "reading"],
                    "personality": "curious and kind",
                    "username": f"{first.lower()}{last.lower()}{suffix}",
                    "email": f"{first.lower()}.{last.lower()}{suffix}@example.com",
                    "bios": {"x": f"{first} {last}, {rng.choice(_JOBS)}."},
                }
            )
        return ProviderResponse(items=items, model="local-sampler")
