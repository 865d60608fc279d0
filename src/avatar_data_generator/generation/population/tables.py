"""Lazy, once-per-process loading of the JSON tables shipped in data/."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

#: Bump whenever a table or a sampling rule changes: seeds reproduce only within one version.
DATA_VERSION = "2026.12.1"

#: The supported countries (ISO 3166-1 alpha-2), sorted; each has native data for every fact.
SUPPORTED: tuple[str, ...] = (
    "AR", "AT", "AU", "BR", "CA", "CN", "CO", "DE", "EG", "ES", "FR", "GB", "IE",
    "IN", "IT", "JP", "KR", "MX", "NG", "NL", "NZ", "PL", "PT", "TR", "US", "ZA",
)  # fmt: skip

#: The languages every label, title, interest and personality word is written in.
LANGUAGES: tuple[str, ...] = (
    "en", "es", "pt", "de", "fr", "it", "nl", "pl", "tr", "ja", "ko", "zh", "hi", "ar",
)  # fmt: skip


def _read(name: str) -> Any:
    """Parse one JSON file under data/."""
    path = files("avatar_data_generator.generation.population").joinpath("data", *name.split("/"))
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def table(name: str) -> dict[str, Any]:
    """One table (e.g. "pyramid", "names/DE", "occupations/2"), parsed once per process."""
    data = _read(f"{name}.json")
    if not isinstance(data, dict):
        raise TypeError(f"{name}.json is not an object")
    return data


def meta(name: str) -> dict[str, Any]:
    """The provenance block of a table."""
    return dict(table(name).get("_meta", {}))


def country_row(name: str, code: str) -> Any:
    """The entry of one country in a per-country table."""
    return table(name)["countries"][code]
