"""The offline generator: people drawn by the population sampler, bios written from their facts.

No network. The same seed, settings and data version give the same people (and bytes) on any
machine: every draw comes from one `random()` per batch (see `facts.sample_batch`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse
from avatar_data_generator.generation.bios import BioSpec, write_bios
from avatar_data_generator.generation.facts import batch_rng, countries_of, sample_batch
from avatar_data_generator.generation.population import DATA_VERSION, PersonFacts

MODEL = f"local-population-{DATA_VERSION}"


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
            "prompt_version": "local-3",
            "data_version": DATA_VERSION,
        }

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """Sample `request.count` complete personas."""
        return ProviderResponse(items=self.sample(request), model=MODEL, trusted=True)

    def sample(self, request: BatchRequest) -> list[dict[str, Any]]:
        """The personas of one batch as plain dicts (facts and bios)."""
        return [persona for _, persona in self.people(request)]

    def people(self, request: BatchRequest) -> list[tuple[PersonFacts, dict[str, Any]]]:
        """Each person of the batch: the sampled facts, and the persona written from them."""
        settings = request.bio_settings or {}
        spec = BioSpec.from_settings(settings)
        language = settings.get("language")  # None: each persona writes in its own language
        words = batch_rng(request, countries_of(settings, request.locale), "bios").random
        out = []
        for facts in sample_batch(request):
            persona = facts.as_persona()
            persona["bios"] = write_bios(facts, spec, language, words)
            out.append((facts, persona))
        return out
