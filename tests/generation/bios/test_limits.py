"""Property tests: every bio respects its limit and the settings, in every language."""

from __future__ import annotations

import random

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from avatar_data_generator.generation.bios import PLATFORMS, BioSpec, write_bios
from avatar_data_generator.generation.graphemes import grapheme_count
from avatar_data_generator.generation.population import LANGUAGES, SUPPORTED, sample_person
from tests.generation.bios.conftest import GENDERS, TODAY

EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Emoji_Presentation}|\ufe0f|\u200d")
BIDI = regex.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
TAGS = ("en-GB", "en-US", "pt-BR", "pt-PT", "es-MX", "es-AR", "de-AT", "fr-FR", None)


def hashtags_last(bio: str) -> bool:
    """Whether every hashtag comes after every other word."""
    words = bio.split()
    first = next((i for i, w in enumerate(words) if w.startswith("#")), len(words))
    return all(w.startswith("#") for w in words[first:]) and "#" not in " ".join(words[:first])


@settings(max_examples=250, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    country=st.sampled_from(SUPPORTED),
    gender=st.sampled_from(GENDERS),
    lang=st.sampled_from((*LANGUAGES, *TAGS)),
    limits=st.dictionaries(st.sampled_from(PLATFORMS), st.integers(10, 2200), min_size=1),
    tone=st.text(max_size=40),
    emoji=st.booleans(),
    hashtags=st.booleans(),
)
def test_bios_respect_every_limit_and_setting(
    seed: int,
    country: str,
    gender: str,
    lang: str | None,
    limits: dict[str, int],
    tone: str,
    emoji: bool,
    hashtags: bool,
) -> None:
    rand = random.Random(seed).random
    facts = sample_person(rand, country, gender, 13, 100, TODAY)
    spec = BioSpec.make(limits, tone, emoji, hashtags)
    bios = write_bios(facts, spec, lang, rand)
    assert set(bios) == set(limits)
    for platform, bio in bios.items():
        assert bio and bio == bio.strip(), (platform, bio)
        assert grapheme_count(bio) <= limits[platform], (platform, bio)
        assert "  " not in bio and not BIDI.search(bio)
        assert "{" not in bio and "[" not in bio and "|]" not in bio, bio
        if not emoji:
            assert not EMOJI.search(bio), bio
        if not hashtags:
            assert "#" not in bio, bio
        else:
            assert hashtags_last(bio), bio
        assert not bio.endswith((",", ":", "،", "、", "|", "·", "/")), bio


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lang=st.sampled_from(LANGUAGES))
def test_tiny_limits_still_give_a_whole_bio(seed: int, lang: str) -> None:
    rand = random.Random(seed).random
    facts = sample_person(rand, "DE", "female", 13, 100, TODAY)
    spec = BioSpec.make(dict.fromkeys(PLATFORMS, 10))
    for bio in write_bios(facts, spec, lang, rand).values():
        assert 0 < grapheme_count(bio) <= 10


def test_linkedin_has_emoji_only_when_the_tone_allows() -> None:
    rand = random.Random(3).random
    persons = [sample_person(rand, "US", "female", 18, 70, TODAY) for _ in range(200)]
    for tone, allowed in (("professional", False), ("friendly", False), ("witty", True)):
        spec = BioSpec.make({"linkedin": 220}, tone)
        found = [bool(EMOJI.search(write_bios(p, spec, None, rand)["linkedin"])) for p in persons]
        assert any(found) if allowed else not any(found), tone
