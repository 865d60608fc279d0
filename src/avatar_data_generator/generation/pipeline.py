"""Turn a provider's raw answer into valid, normalised, distinct personas.

Parse (repairing broken or truncated JSON), validate each item on its own, normalise what a
model gets wrong (age, e-mail domain, over-long bios), and drop duplicates within the batch.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections import Counter
from datetime import date
from typing import Annotated, Any

import regex
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from avatar_data_generator.generation.base import BatchOutcome, BatchRequest, ProviderResponse
from avatar_data_generator.generation.bio_settings import GENDERS, PLATFORM_LIMITS
from avatar_data_generator.generation.sanitize import TooDeep, clean_value

#: The persona fields every provider must deliver (the app adds id, age, avatar, synthetic).
PERSONA_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "date_of_birth",
    "country",
    "city",
    "nationality",
    "occupation",
    "education",
    "interests",
    "personality",
    "username",
    "email",
    "bios",
)
RESERVED_EMAIL_DOMAIN = "example.com"
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")
_GRAPHEME = regex.compile(r"\X")
_GENDER_ALIASES = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "male": "male",
    "m": "male",
    "man": "male",
    "non-binary": "non-binary",
    "nonbinary": "non-binary",
    "non binary": "non-binary",
    "non_binary": "non-binary",
    "nb": "non-binary",
    "enby": "non-binary",
}
_PLATFORM_ALIASES = {"twitter": "x", "ig": "instagram", "fb": "facebook", "tik tok": "tiktok"}
_USERNAME_BAD = re.compile(r"[^\w.\-]+")
_EMAIL_LOCAL_BAD = re.compile(r"[^a-z0-9._+\-]+")
#: Caps on what one persona may hold: longer texts reject the persona, longer lists are cut.
MAX_NAME = 100
MAX_PLACE = 100
MAX_JOB = 200
MAX_TEXT = 300
MAX_INTERESTS = 10
MAX_INTEREST = 60
_EMAIL_SHAPE = re.compile(r"[a-z0-9._+\-]+@[a-z0-9.\-]+")
_NOT_ALNUM_ASCII = re.compile(r"[^a-z0-9]+")


# Short one-line texts: stripped, not empty, not huge (checked in pydantic-core, fast).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PLACE)]
Job = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_JOB)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


def _squash(value: str) -> str:
    """Collapse runs of whitespace (and newlines, tabs) into single spaces."""
    if "  " in value or not value.isprintable():
        return " ".join(value.split())
    return value.strip()


# --- validation -----------------------------------------------------------------------------


class PersonaIn(BaseModel):
    """One persona as a provider wrote it, checked and normalised field by field."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    first_name: Name
    last_name: Name
    gender: str
    date_of_birth: date
    country: Place
    city: Place
    nationality: Place
    occupation: Job
    education: Job
    interests: list[str]
    personality: Text
    username: Text
    email: Text
    bios: dict[str, str]

    @field_validator("gender", mode="before")
    @classmethod
    def _gender(cls, value: Any) -> str:
        gender = _GENDER_ALIASES.get(str(value).strip().lower())
        if gender is None:
            raise ValueError(f"must be one of {', '.join(GENDERS)}")
        return gender

    @field_validator("interests", mode="before")
    @classmethod
    def _interests(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in re.split(r"[,;]", value)]
        if isinstance(value, list):
            value = [
                " ".join(v.split())
                for v in value
                if isinstance(v, str | int | float) and not isinstance(v, bool)
                for v in [str(v)]
                if v.strip() and len(v) <= MAX_INTEREST
            ][:MAX_INTERESTS]
            if not value:
                raise ValueError("needs at least one interest")
        return value

    @field_validator("bios", mode="before")
    @classmethod
    def _bios(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): _squash(v) for k, v in value.items() if isinstance(v, str)}
        return value


def grapheme_count(text: str) -> int:
    """The characters a person sees (extended grapheme clusters)."""
    if text.isascii():
        return len(text)
    return len(_GRAPHEME.findall(text))


def trim_to_graphemes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` graphemes, at a word boundary when one is near."""
    if limit <= 0:
        return ""
    if grapheme_count(text) <= limit:
        return text
    clusters = _GRAPHEME.findall(text)
    cut = "".join(clusters[:limit])
    # Prefer the last whole word if it keeps at least half of the allowed length.
    if not clusters[limit].isspace():
        space = cut.rstrip().rfind(" ")
        if space >= limit // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013\u2014|\u00b7")


def age_on(dob: date, today: date) -> int:
    """Whole years between `dob` and `today`."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def is_reserved_email(email: str) -> bool:
    """Whether the address sits on a domain reserved for examples (RFC 2606)."""
    domain = email.rpartition("@")[2].lower()
    return domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_TLDS)


def reserved_email(email: str, username: str) -> str:
    """The same mailbox name moved onto example.com (ASCII, safe characters only)."""
    local = _EMAIL_LOCAL_BAD.sub("", _ascii_fold(email.partition("@")[0])).strip(".")
    if not local:
        local = _EMAIL_LOCAL_BAD.sub("", _ascii_fold(username)).strip(".") or "persona"
    return f"{local[:64]}@{RESERVED_EMAIL_DOMAIN}"


def _username(name: str, persona: PersonaIn) -> str:
    """A handle without '@' or spaces that ends in digits (real handles rarely do)."""
    handle = _USERNAME_BAD.sub("_", name.lstrip("@")).strip("_") or "persona"
    if not handle[-1].isdigit():
        digest = hashlib.blake2b(
            f"{persona.first_name}|{persona.last_name}|{persona.date_of_birth}".encode(),
            digest_size=4,
        ).digest()
        handle += str(int.from_bytes(digest, "big") % 9000 + 1000)
    return handle[:60]


def _error_reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "item"
    return f"missing_{field}" if first["type"] == "missing" else f"invalid_{field}"


def avatar_for(style: str, persona: dict[str, Any], key: str | None = None) -> dict[str, str]:
    """A deterministic avatar reference: the seed is a short hash of who the persona is."""
    key = key if key is not None else dedupe_key(persona)
    seed = hashlib.blake2b(f"{key}|{persona['username']}".encode(), digest_size=8).hexdigest()
    return {"style": style, "seed": seed, "url": f"/avatars/{style}/{seed}.svg"}


def validate_batch(
    request: BatchRequest, response: ProviderResponse, avatar_style: str = "thumbs"
) -> BatchOutcome:
    """Validate each raw item on its own, keep the good ones, fix what can be fixed."""
    today = date.today()
    settings = request.bio_settings or {}
    limits: dict[str, int] = dict(settings.get("platforms") or PLATFORM_LIMITS)
    age_min, age_max = int(settings.get("age_min", 0)), int(settings.get("age_max", 130))
    rejected: Counter[str] = Counter()
    genders: Counter[str] = Counter()
    trimmed = dropped_bios = rewritten = duplicates = 0
    seen_keys: set[str] = set()
    seen_users: set[str] = set()
    seen_emails: set[str] = set()
    personas: list[dict[str, Any]] = []
    keys: list[str] = []
    for raw in response.items:
        if not isinstance(raw, dict):
            rejected["not_an_object"] += 1
            continue
        try:
            # Control characters, bidi overrides and lone surrogates go before anything else.
            item = PersonaIn.model_validate(clean_value(raw))
        except TooDeep:
            rejected["nested_too_deeply"] += 1
            continue
        except ValidationError as exc:
            rejected[_error_reason(exc)] += 1
            continue
        if item.date_of_birth > today:
            rejected["invalid_date_of_birth"] += 1
            continue
        age = age_on(item.date_of_birth, today)
        if not age_min <= age <= age_max:
            rejected["age_out_of_range"] += 1
            continue
        bios: dict[str, str] = {}
        for key, text in item.bios.items():
            if key in limits:
                platform = key
            else:
                folded = key.strip().lower()
                platform = _PLATFORM_ALIASES.get(folded, folded)
            if platform not in limits or not text:
                dropped_bios += 1
                continue
            limit = int(limits[platform])
            if len(text) > limit and grapheme_count(text) > limit:
                text = trim_to_graphemes(text, limit)
                trimmed += 1
                if not text:
                    dropped_bios += 1
                    continue
            bios[platform] = text
        username = _username(item.username, item)
        email = item.email.lower()
        if not _EMAIL_SHAPE.fullmatch(email) or not is_reserved_email(email):
            email = reserved_email(email, username)
            rewritten += 1
        persona: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "first_name": _squash(item.first_name),
            "last_name": _squash(item.last_name),
            "gender": item.gender,
            "date_of_birth": item.date_of_birth.isoformat(),
            "age": age,
            "country": _squash(item.country),
            "city": _squash(item.city),
            "nationality": _squash(item.nationality),
            "occupation": _squash(item.occupation),
            "education": _squash(item.education),
            "interests": item.interests,
            "personality": _squash(item.personality),
            "username": username,
            "email": email,
            "bios": bios,
        }
        key, user = dedupe_key(persona), username.casefold()
        if key in seen_keys or user in seen_users or email in seen_emails:
            duplicates += 1
            continue
        seen_keys.add(key)
        seen_users.add(user)
        seen_emails.add(email)
        persona["avatar"] = avatar_for(avatar_style, persona, key)
        persona["synthetic"] = True
        personas.append(persona)
        keys.append(key)
        if len(personas) == request.count:
            break  # a model that sends more than asked: the rest is not looked at
    for persona in personas:
        genders[persona["gender"]] += 1
    quality: dict[str, Any] = {
        "asked": request.count,
        "received": len(response.items),
        "valid": len(personas),
        "repaired": int(response.repaired),
        "truncated": int(response.truncated),
        "rejected": dict(rejected),
        "bios_trimmed": trimmed,
        "bios_dropped": dropped_bios,
        "emails_rewritten": rewritten,
        "duplicates_dropped": duplicates,
        "gender": {g: n for g, n in genders.items() if n},
    }
    return BatchOutcome(
        personas=personas,
        keys=keys,
        quality=quality,
        tokens=response.tokens,
        model=response.model,
    )


def _fold_name(text: str) -> str:
    """Casefold, drop accents (but keep non-Latin letters), keep letters, digits and spaces."""
    if text.isascii():
        return _NOT_ALNUM_ASCII.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def dedupe_key(persona: dict[str, Any]) -> str:
    """Normalised first + last name and birth date: two personas alike here are duplicates."""
    name = _fold_name(f"{persona['first_name']} {persona['last_name']}")
    return f"{name}|{persona['date_of_birth']}"
