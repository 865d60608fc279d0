"""The providers: one table of name, label, class and what each needs from the settings."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from avatar_data_generator.generation.base import Provider


@dataclass(frozen=True)
class ProviderInfo:
    """One generator the app can use."""

    name: str
    #: Shown on the Generate page.
    label: str
    #: "module:Class", imported only when the provider is first built.
    path: str
    #: Settings that must be set for it to work.
    needs: tuple[str, ...] = ()

    def missing(self, settings: Mapping[str, Any]) -> str | None:
        """Why this provider cannot work with these settings, or None when it can."""
        unset = [name for name in self.needs if not settings.get(name)]
        if not unset:
            return None
        return f"{' and '.join(unset)} must be set for {self.name}"

    def load(self) -> Callable[[Mapping[str, Any]], Provider]:
        """The provider's class."""
        module, _, name = self.path.partition(":")
        factory: Callable[[Mapping[str, Any]], Provider] = getattr(
            importlib.import_module(module), name
        )
        return factory


PROVIDERS: dict[str, ProviderInfo] = {
    info.name: info
    for info in (
        ProviderInfo(
            "local", "local (offline)", "avatar_data_generator.generation.local:LocalProvider"
        ),
        ProviderInfo(
            "flowise",
            "Flowise",
            "avatar_data_generator.generation.flowise:FlowiseProvider",
            ("FLOWISE_API_URL", "FLOWISE_CHATFLOW_ID"),
        ),
        ProviderInfo(
            "openai",
            "OpenAI-compatible",
            "avatar_data_generator.generation.openai:OpenAIProvider",
            ("OPENAI_BASE_URL", "OPENAI_MODEL"),
        ),
    )
}
#: The providers' names, in the order the pages list them.
NAMES = tuple(PROVIDERS)


def get_provider(name: str, settings: Mapping[str, Any]) -> Provider:
    """A ready provider; ValueError if the name is unknown or its settings are missing."""
    info = PROVIDERS.get(name)
    if info is None:
        raise ValueError(f"unknown provider {name!r}; use one of {', '.join(NAMES)}")
    problem = info.missing(settings)
    if problem:
        raise ValueError(problem)
    return info.load()(settings)


def provenance_for(name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a task records about the generator it was submitted to."""
    try:
        return dict(get_provider(name, settings).provenance())
    except Exception as exc:  # a misconfigured provider still gets a task that fails clearly
        return {"provider": name, "configuration_error": str(exc)}
