"""Platform styles differ, hashtags come last, no bio is a trimmed copy of another."""

from __future__ import annotations

import pytest
import regex

from avatar_data_generator.generation.bios import BioSpec, resolve_lang, tone_key
from avatar_data_generator.generation.population import LANGUAGES
from tests.generation.bios.conftest import HOME, bios_of, people
from tests.generation.bios.test_limits import hashtags_last

LETTERS = regex.compile(r"[^\p{L}\p{M}\p{N}]+")


def core(text: str) -> str:
    """Letters and digits only, hashtags dropped: what a reader compares."""
    return LETTERS.sub("", regex.sub(r"#\S+", "", text)).casefold()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_bio_is_a_trimmed_copy_of_another(lang: str) -> None:
    for bios in bios_of(people(HOME[lang], 150), BioSpec.make()):
        texts = [core(b) for b in bios.values()]
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                assert not a.startswith(b) and not b.startswith(a), bios


@pytest.mark.parametrize("lang", LANGUAGES)
def test_platform_styles(lang: str) -> None:
    all_bios = bios_of(people(HOME[lang], 200), BioSpec.make())
    assert any("\n" in b["instagram"] for b in all_bios)
    assert not any("\n" in b[p] for b in all_bios for p in ("x", "tiktok", "linkedin", "facebook"))
    for bios in all_bios:
        assert all(hashtags_last(b) for b in bios.values())
    # TikTok bios are the shortest on average, LinkedIn headlines are never greetings.
    mean = {p: sum(len(b[p]) for b in all_bios) / len(all_bios) for p in all_bios[0]}
    assert mean["tiktok"] < mean["linkedin"]
    greetings = (
        "Hi,",
        "Hi ",
        "Hey",
        "Hello",
        "Hallo",
        "¡Hola",
        "Salut",
        "Ciao",
        "Olá",
        "こんにちは",
        "你好",
    )
    assert not any(b["linkedin"].startswith(greetings) for b in all_bios)


def test_bios_use_life_stage_and_age() -> None:
    spec = BioSpec.make()
    pupils = [p for p in people("GB", 1500) if p.life_stage == "pupil"]
    retired = [p for p in people("GB", 400, seed=2) if p.life_stage == "retired"]
    assert pupils and retired
    text = " ".join(b for bios in bios_of(pupils, spec) for b in bios.values()).casefold()
    assert "school" in text and "my kids" not in text and "mum of" not in text
    assert "grand" not in text and "retire" not in text
    text = " ".join(b for bios in bios_of(retired, spec) for b in bios.values()).casefold()
    assert "retire" in text


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("Witzig", "witty"),
        ("humorvoll", "witty"),
        ("profesional", "professional"),
        ("sérieux", "professional"),
        ("décontracté", "casual"),
        ("inspirierend", "inspirational"),
        ("励志", "inspirational"),
        ("カジュアル", "casual"),
        ("친근한", "friendly"),
        ("very formal please", "professional"),
        ("", "friendly"),
        ("purple", "friendly"),
        ("motivational", "inspirational"),
        ("مهني", "professional"),
        ("मज़ेदार", "witty"),
    ],
)
def test_tones_are_recognised(text: str, tone: str) -> None:
    assert tone_key(text) == tone


@pytest.mark.parametrize(
    ("tag", "own", "country", "want"),
    [
        ("pt-BR", "pt", "PT", "pt-BR"),
        (None, "de", "AT", "de-AT"),
        ("pt", "pt", "BR", "pt-BR"),
        ("ja", "de", "DE", "ja"),
        ("en_gb", "de", "DE", "en-GB"),
        ("xx", "fr", "FR", "fr-FR"),
        ("ES-mx", "es", "ES", "es-MX"),
    ],
)
def test_language_tags(tag: str | None, own: str, country: str, want: str) -> None:
    assert resolve_lang(tag, own, country) == want


def test_settings_language_overrides_for_every_persona() -> None:
    spec = BioSpec.make()
    for bios in bios_of(people("DE", 40), spec, lang="ja"):
        assert all(regex.search(r"[\p{Hiragana}\p{Katakana}\p{Han}]", b) for b in bios.values())
