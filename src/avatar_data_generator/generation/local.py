"""The offline generator: people drawn by the population sampler, bios written from their facts.

No network. The same seed, settings and data version give the same people (and bytes) on any
machine: every draw comes from one `random()` per batch (see `facts.sample_batch`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.generation.facts import sample_batch
from avatar_data_generator.generation.population import DATA_VERSION, PersonFacts

MODEL = f"local-population-{DATA_VERSION}"
EMOJI = ("✨", "🌿", "📚", "🎧", "☕", "🚲", "🌍", "🎨", "⚽", "🍳")


def _fit(pieces: list[str], limit: int) -> str:
    """Join pieces with a middle dot, skipping any that would pass `limit` code points."""
    out = ""
    for piece in pieces:
        candidate = f"{out} · {piece}" if out else piece
        if len(candidate) <= limit:
            out = candidate
    return out


def bios_of(facts: PersonFacts, settings: Mapping[str, Any], n: int) -> dict[str, str]:
    """Short bios from the person's facts, within each platform's limit."""
    platforms = settings.get("platforms")
    limits = dict(platforms) if isinstance(platforms, dict) else dict(PLATFORM_LIMITS)
    pieces = [facts.occupation, facts.city, facts.personality, ", ".join(facts.interests[:2])]
    if settings.get("emoji", True):
        pieces.append(EMOJI[n % len(EMOJI)])
    if settings.get("hashtags", True):
        pieces.append(" ".join("#" + "".join(w.split()) for w in facts.interests[:2]))
    return {platform: _fit(pieces, int(limit)) for platform, limit in limits.items()}


class LocalProvider:
    """Personas sampled locally; no network."""

    name = "local"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        # Nothing to open: the population tables load lazily and are cached per process.
        self.settings = settings

    def provenance(self) -> dict[str, Any]:
        """Identify this generator and the data it draws from."""
        return {
            "provider": self.name,
            "model": MODEL,
            "prompt_version": "local-2",
            "data_version": DATA_VERSION,
        }

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """Sample `request.count` complete personas."""
        return ProviderResponse(items=self.sample(request), model=MODEL, trusted=True)

    def sample(self, request: BatchRequest) -> list[dict[str, Any]]:
        """The personas of one batch as plain dicts (facts and bios)."""
        settings = request.bio_settings or {}
        out = []
        for n, facts in enumerate(sample_batch(request)):
            persona = facts.as_persona()
            persona["bios"] = bios_of(facts, settings, n)
            out.append(persona)
        return out
