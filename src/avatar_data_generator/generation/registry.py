"""Build the provider a task asked for from the app's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from avatar_data_generator.generation.base import Provider


def get_provider(name: str, settings: Mapping[str, Any]) -> Provider:
    """Return a ready provider named `local`, `flowise` or `openai`."""
    if name == "local":
        from avatar_data_generator.generation.local import LocalProvider

        return LocalProvider(settings)
    if name == "flowise":
        from avatar_data_generator.generation.flowise import FlowiseProvider

        return FlowiseProvider(settings)
    if name == "openai":
        from avatar_data_generator.generation.openai import OpenAIProvider

        return OpenAIProvider(settings)
    raise ValueError(f"unknown provider {name!r}")


def provenance_for(name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a task records about the generator it was submitted to."""
    try:
        return dict(get_provider(name, settings).provenance())
    except Exception as exc:  # a misconfigured provider still gets a task that fails clearly
        return {"provider": name, "configuration_error": str(exc)}
