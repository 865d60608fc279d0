"""The prices this app charges provider calls at: PROVIDER_PRICES, parsed once per app.

The table itself and its arithmetic are `generation.cost`; here is only where it is read from,
for the task JSON (its currency) and the estimates.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context

from avatar_data_generator.generation.cost import Price, PriceError, parse_prices, price_for


def configured_prices() -> dict[str, Price]:
    """PROVIDER_PRICES of this app, parsed once (PriceError when it is malformed)."""
    raw = current_app.config.get("PROVIDER_PRICES")
    cache: dict[str, Any] = current_app.extensions.setdefault("avatar_prices", {})
    key = repr(raw)
    if key not in cache:
        try:
            cache[key] = parse_prices(raw)
        except (PriceError, ValueError) as exc:  # malformed JSON is a ValueError too
            cache[key] = PriceError(str(exc))
    found = cache[key]
    if isinstance(found, PriceError):
        raise found
    return dict(found)


def price_of(provider: str, provenance: dict[str, Any]) -> tuple[Price | None, str]:
    """The price the worker charges a provider's calls, and which PROVIDER_PRICES key it is."""
    model = provenance.get("model")
    price = price_for(configured_prices(), provider, model)
    if provider == "local":
        return price, "local"
    key = f"{provider}:{model}" if model and f"{provider}:{model}" in configured_prices() else ""
    return price, key or provider


def currency_for(provider: str, provenance: dict[str, Any]) -> str:
    """The currency of a provider's price (USD when none is set)."""
    if not has_app_context():
        return "USD"
    try:
        price, _ = price_of(provider, provenance)
    except PriceError:
        return "USD"
    return price.currency if price is not None else "USD"
