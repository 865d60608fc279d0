"""Graphemes: counted as a person sees them, cut without breaking one."""

from __future__ import annotations

import regex
from hypothesis import given
from hypothesis import strategies as st

from avatar_data_generator.generation.graphemes import grapheme_count, trim_to_graphemes
from tests.generation.checks import FAST, bio_st


@FAST
@given(bio_st, st.integers(1, 60))
def test_trim_respects_graphemes(text: str, limit: int) -> None:
    out = trim_to_graphemes(text, limit)
    assert grapheme_count(out) <= limit
    assert text.startswith(out)
    if grapheme_count(text) <= limit:
        assert out == text


@FAST
@given(bio_st)
def test_grapheme_count_matches_regex(text: str) -> None:
    assert grapheme_count(text) == len(regex.findall(r"\X", text))


def test_graphemes_not_code_points() -> None:
    assert grapheme_count("👨‍👩‍👧🇩🇪e\u0301") == 3
    assert trim_to_graphemes("word " * 50, 22) == "word word word word"
