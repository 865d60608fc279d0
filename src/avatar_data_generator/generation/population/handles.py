"""Usernames and e-mail addresses from a person's romanised name, on reserved domains."""

from __future__ import annotations

from collections.abc import Callable

DOMAINS = ("example.com", "example.org", "example.net")  # RFC 2606 reserved

_USER: tuple[Callable[[str, str, str], str], ...] = (
    lambda f, s, n: f"{f}.{s}{n}",
    lambda f, s, n: f"{f}_{s}{n}",
    lambda f, s, n: f"{f}{s}{n}",
    lambda f, s, n: f"{f[0]}{s}{n}",
    lambda f, s, n: f"{f}{s[0]}{n}",
    lambda f, s, n: f"{s}.{f}{n}",
    lambda f, s, n: f"{f}{n}",
    lambda f, s, n: f"{s}{f[0]}{n}",
)  # fmt: skip
_MAIL: tuple[Callable[[str, str, str], str], ...] = (
    lambda f, s, n: f"{f}.{s}{n}",
    lambda f, s, n: f"{f}{s}{n}",
    lambda f, s, n: f"{f[0]}.{s}{n}",
    lambda f, s, n: f"{f}_{s}{n}",
    lambda f, s, n: f"{s}.{f}{n}",
)  # fmt: skip


def _number(u: float, birth_year: int) -> str:
    """A suffix: the birth year, its last two digits, or a small number."""
    if u < 0.3:
        return str(birth_year)
    if u < 0.5:
        return f"{birth_year % 100:02d}"
    return str(int((u - 0.5) * 2 * 998) + 1)


def make_handles(first: str, last: str, birth_year: int, u1: float, u2: float) -> tuple[str, str]:
    """(username, e-mail) from ASCII name parts and two uniforms."""
    f, s = (first or "x")[:15], (last or "x")[:15]
    user = _USER[int(u1 * len(_USER))](f, s, _number(u2, birth_year))
    mail_u = (u1 * 7.0) % 1.0  # reuse the draws; the two handles need not be independent
    mail_n = (u2 * 13.0) % 1.0
    local = _MAIL[int(mail_u * len(_MAIL))](f, s, _number(mail_n, birth_year))
    return user, f"{local}@{DOMAINS[int(mail_n * len(DOMAINS))]}"
