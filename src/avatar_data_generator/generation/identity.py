"""Who a persona is: its dedupe key, a handle, a reserved e-mail address, its avatar seed."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from avatar_data_generator.generation import avatar_look

RESERVED_EMAIL_DOMAIN = "example.com"
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")
_USERNAME_BAD = re.compile(r"[^\w.\-]+")
_EMAIL_LOCAL_BAD = re.compile(r"[^a-z0-9._+\-]+")
EMAIL_SHAPE = re.compile(r"[a-z0-9._+\-]+@[a-z0-9.\-]+")
_NOT_ALNUM_ASCII = re.compile(r"[^a-z0-9]+")


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


def handle(name: str, first: str, last: str, born: str) -> str:
    """A handle without '@' or spaces that ends in digits (real handles rarely do)."""
    out = _USERNAME_BAD.sub("_", name.lstrip("@")).strip("_") or "persona"
    if not out[-1].isdigit():
        digest = hashlib.blake2b(f"{first}|{last}|{born}".encode(), digest_size=4).digest()
        out += str(int.from_bytes(digest, "big") % 9000 + 1000)
    return out[:60]


def avatar_for(style: str, persona: dict[str, Any], key: str | None = None) -> dict[str, str]:
    """A deterministic avatar reference: a short hash of who the persona is, then the options
    chosen from its facts (hair by sex and age, grey hair and glasses by age; see avatar_look).

    A style without a look table gets the hash alone as its seed, as before.
    """
    key = key if key is not None else dedupe_key(persona)
    base = hashlib.blake2b(f"{key}|{persona['username']}".encode(), digest_size=8).hexdigest()
    seed = avatar_look.encode(base, avatar_look.choose(style, persona, base))
    return {"style": style, "seed": seed, "url": f"/avatars/{style}/{seed}.svg"}


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
