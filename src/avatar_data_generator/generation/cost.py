"""What provider calls cost: token counts (reported, or estimated from the text) and prices.

Prices come from PROVIDER_PRICES, a JSON object of `provider:model` (or `provider`) to input and
output prices per million tokens, e.g. `{"openai:gpt-4o-mini": {"input": 0.15, "output": 0.6}}`.
A server that reports no usage (Flowise) gets counts estimated at four characters a token, the
rule of thumb OpenAI gives for English text; such counts are marked as estimated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Tokens of a text by the four-characters rule."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class Price:
    """Price per million tokens, in and out, in one currency."""

    input: float
    output: float
    currency: str = "USD"

    def of(self, tokens_in: int | None, tokens_out: int | None) -> float:
        """The cost of these tokens."""
        return ((tokens_in or 0) * self.input + (tokens_out or 0) * self.output) / 1_000_000


class PriceError(ValueError):
    """PROVIDER_PRICES is not a table of prices; the message says where."""


def parse_prices(raw: Any) -> dict[str, Price]:
    """PROVIDER_PRICES (JSON text or a mapping) as prices by `provider:model` or `provider`."""
    if raw in (None, ""):
        return {}
    table = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(table, Mapping):
        raise PriceError("PROVIDER_PRICES must be a JSON object of provider:model to prices")
    prices = {}
    for key, value in table.items():
        if not isinstance(value, Mapping):
            raise PriceError(f"PROVIDER_PRICES[{key!r}] must be an object with input and output")
        try:
            prices[str(key)] = Price(
                float(value["input"]), float(value["output"]), str(value.get("currency", "USD"))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PriceError(
                f"PROVIDER_PRICES[{key!r}] needs numbers input and output: {exc}"
            ) from None
    return prices


def price_for(prices: Mapping[str, Price], provider: str, model: str | None) -> Price | None:
    """The most specific price: `provider:model`, then `provider`; the local provider is free."""
    if provider == "local":
        return Price(0.0, 0.0)
    if model and f"{provider}:{model}" in prices:
        return prices[f"{provider}:{model}"]
    return prices.get(provider)
