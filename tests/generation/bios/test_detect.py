"""Bios are in the expected language, as an offline identifier (py3langid) judges them."""

from __future__ import annotations

from collections import Counter

import pytest

from avatar_data_generator.generation.bios import BioSpec, bio_language
from avatar_data_generator.generation.population import LANGUAGES
from tests.generation.bios.conftest import HOME, bios_of, people

pytest.importorskip("py3langid")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bios_are_detected_as_their_language(lang: str) -> None:
    got: Counter[bool] = Counter()
    for bios in bios_of(people(HOME[lang], 120), BioSpec.make()):
        got.update(bio_language(b) == lang for b in bios.values())
    assert got[True] / sum(got.values()) >= 0.95, got


@pytest.mark.parametrize("lang", ["ja", "ar", "pl"])
def test_override_language_is_detected_for_foreign_personas(lang: str) -> None:
    got: Counter[bool] = Counter()
    for bios in bios_of(people("US", 80), BioSpec.make(), lang=lang):
        got.update(bio_language(b) == lang for b in bios.values())
    assert got[True] / sum(got.values()) >= 0.95, got


def test_bio_language_of_little_text() -> None:
    assert bio_language("🙂 #1") is None
    assert bio_language("Ich wohne in Köln und liebe Wandern.") == "de"
