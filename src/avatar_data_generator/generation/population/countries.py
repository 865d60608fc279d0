"""The supported countries: names, demonyms, main languages, lookups by name or locale."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from avatar_data_generator.generation.population.tables import SUPPORTED, meta, table
from avatar_data_generator.generation.population.text import fold

# Tables whose provenance every country shares (names/<CC> is added per country).
_SHARED_TABLES = (
    "countries", "pyramid", "sex_ratio", "labour", "education", "isco", "places",
    "occupations/index", "interests", "personality",
)  # fmt: skip

# Languages whose CLDR likely region (likely subtags) is a supported country, beyond the
# countries' main languages; 'pt' follows the Portuguese default of the product, not CLDR's BR.
_LANGUAGE_REGION = {
    "en": "US", "es": "ES", "pt": "PT", "de": "DE", "fr": "FR", "it": "IT", "nl": "NL",
    "pl": "PL", "tr": "TR", "ja": "JP", "ko": "KR", "zh": "CN", "hi": "IN", "ar": "EG",
    "ga": "IE", "cy": "GB", "gd": "GB", "ca": "ES", "gl": "ES", "eu": "ES", "af": "ZA",
    "zu": "ZA", "xh": "ZA", "st": "ZA", "tn": "ZA", "ha": "NG", "yo": "NG", "ig": "NG",
    "mi": "NZ", "bn": "IN", "ta": "IN", "te": "IN", "mr": "IN", "gu": "IN", "kn": "IN",
    "ml": "IN", "pa": "IN", "ku": "TR", "gsw": "DE", "bar": "AT", "fy": "NL",
}  # fmt: skip


class UnknownCountry(ValueError):
    """A country that is not supported (or not recognised); the message lists the supported."""

    def __init__(self, text: str) -> None:
        names = ", ".join(f"{country(c).name} ({c})" for c in SUPPORTED)
        super().__init__(f"unsupported country {text!r}; supported: {names}")
        self.text = text


@dataclass(frozen=True, slots=True)
class Country:
    """One supported country."""

    code: str
    name: str
    demonym: str
    language: str
    alpha3: str
    sources: tuple[str, ...]


@cache
def country(code: str) -> Country:
    """The supported country with this ISO alpha-2 code (any case)."""
    key = code.strip().upper()
    if key not in SUPPORTED:
        raise UnknownCountry(code)
    row = table("countries")["countries"][key]
    sources = tuple(
        dict.fromkeys(str(meta(t).get("source", "")) for t in (*_SHARED_TABLES, f"names/{key}"))
    )
    return Country(key, row["name"], row["demonym"], row["language"], row["alpha3"], sources)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Folded name, alias, demonym or code -> alpha-2 code."""
    out: dict[str, str] = {}
    rows = table("countries")["countries"]
    for code in SUPPORTED:
        row = rows[code]
        for text in (code, row["alpha3"], row["name"], row["demonym"], *row["aliases"]):
            out.setdefault(fold(text), code)
    return out


def resolve_country(text: str) -> str:
    """The alpha-2 code of a supported country named by code, English or native name."""
    code = _aliases().get(fold(text).removeprefix("the ").strip(" ."))
    if code is None:
        code = _aliases().get(fold(text))
    if code is None:
        raise UnknownCountry(text)
    return code


def country_for_locale(tag: str) -> str | None:
    """The supported country a locale tag points at ('de-AT' -> 'AT', 'ja' -> 'JP'), or None."""
    parts = tag.replace("_", "-").strip().split("-")
    lang = parts[0].lower()
    if any(len(p) == 3 and p.isdigit() for p in parts[1:]):
        return None  # a UN M.49 area such as 419 or 150 names no single country
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    if region is not None:
        return region if region in SUPPORTED else None
    if lang in ("zh",) and any(p.lower() == "hant" for p in parts[1:]):
        return None  # Traditional Chinese is written in TW/HK/MO, none of them supported
    return _LANGUAGE_REGION.get(lang)
