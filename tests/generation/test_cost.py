"""Prices and token counts: the most specific price wins, estimates follow four characters a
token, and a malformed price table is refused with where it is wrong."""

from __future__ import annotations

import pytest

from avatar_data_generator.generation.cost import (
    Price,
    PriceError,
    estimate_tokens,
    parse_prices,
    price_for,
)


def test_the_most_specific_price_wins_and_local_is_free() -> None:
    prices = parse_prices(
        '{"openai:gpt-4o-mini": {"input": 0.15, "output": 0.6}, "openai": {"input": 5,'
        ' "output": 15, "currency": "EUR"}}'
    )
    assert price_for(prices, "openai", "gpt-4o-mini") == Price(0.15, 0.6)
    assert price_for(prices, "openai", "other") == Price(5, 15, "EUR")
    assert price_for(prices, "flowise", "x") is None
    assert price_for(prices, "local", None) == Price(0, 0)
    assert Price(0.15, 0.6).of(1_000_000, 500_000) == pytest.approx(0.45)


@pytest.mark.parametrize(
    "raw",
    ['["openai"]', '{"openai": 3}', '{"openai": {"input": "cheap", "output": 1}}', '{"x": {}}'],
)
def test_a_malformed_price_table_is_refused(raw: str) -> None:
    with pytest.raises(PriceError):
        parse_prices(raw)


def test_token_estimates_follow_four_characters_a_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
