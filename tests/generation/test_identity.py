"""Who a persona is: e-mail addresses on reserved domains, dedupe keys across scripts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from avatar_data_generator.generation.identity import dedupe_key, is_reserved_email, reserved_email
from tests.generation.checks import FAST, text_st


@FAST
@given(st.one_of(st.emails().map(str), text_st), text_st)
def test_any_email_lands_on_a_reserved_domain(email: str, username: str) -> None:
    assert is_reserved_email(reserved_email(email, username))


def test_dedupe_key_folds_accents_but_keeps_scripts() -> None:
    a = {"first_name": "José", "last_name": "Núñez", "date_of_birth": "1990-01-01"}
    b = {"first_name": " jose ", "last_name": "NUNEZ", "date_of_birth": "1990-01-01"}
    c = {"first_name": "张", "last_name": "伟", "date_of_birth": "1990-01-01"}
    d = {"first_name": "李", "last_name": "娜", "date_of_birth": "1990-01-01"}
    assert dedupe_key(a) == dedupe_key(b)
    assert dedupe_key(c) != dedupe_key(d)
