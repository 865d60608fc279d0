"""Grammatical gender agrees with the persona's sex, in job titles and in the words around them."""

from __future__ import annotations

import pytest
import regex

from avatar_data_generator.generation.bios import BioSpec
from tests.generation.bios.conftest import HOME, bios_of, someone

WORDS = regex.compile(r"[\p{L}\p{M}]+")
SPEC = BioSpec.make()
# Per language: the job (occupation key) of the test persona, then (female, male) word pairs
# that appear in its bios; a female bio must never hold a male form, nor a male bio a female one.
CASES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "de": (
        "primary_teacher",
        (
            ("Grundschullehrerin", "Grundschullehrer"),
            ("Erfahrene", "Erfahrener"),
            ("Mama", "Papa"),
            ("Hausfrau", "Hausmann"),
        ),
    ),
    "fr": (
        "nurse",
        (
            ("infirmière", "infirmier"),
            ("Infirmière", "Infirmier"),
            ("passionnée", "passionné"),
            ("expérimentée", "expérimenté"),
            ("fière", "fier"),
            ("Maman", "Papa"),
        ),
    ),
    "es": (
        "nurse",
        (
            ("enfermera", "enfermero"),
            ("Enfermera", "Enfermero"),
            ("orgullosa", "orgulloso"),
            ("Apasionada", "Apasionado"),
            ("lista", "listo"),
            ("Mamá", "Papá"),
        ),
    ),
    "it": (
        "nurse",
        (
            ("infermiera", "infermiere"),
            ("Infermiera", "Infermiere"),
            ("orgogliosa", "orgoglioso"),
            ("Appassionata", "Appassionato"),
            ("pronta", "pronto"),
            ("Mamma", "Papà"),
        ),
    ),
    "pt": (
        "nurse",
        (
            ("enfermeira", "enfermeiro"),
            ("Enfermeira", "Enfermeiro"),
            ("orgulhosa", "orgulhoso"),
            ("Apaixonada", "Apaixonado"),
            ("pronta", "pronto"),
            ("Mãe", "Pai"),
        ),
    ),
    "pl": (
        "nurse",
        (
            ("pielęgniarka", "pielęgniarz"),
            ("Pielęgniarka", "Pielęgniarz"),
            ("Dumna", "Dumny"),
            ("Doświadczona", "Doświadczony"),
            ("Mama", "Tata"),
        ),
    ),
    "ar": ("nurse", (("ممرضة", "ممرض"), ("شغوفة", "شغوف"), ("أم", "أب"))),
    "hi": ("nurse", (("करती", "करता"), ("रहती", "रहता"), ("माँ", "पिता"))),
    "nl": ("nurse", (("moeder", "vader"), ("mama", "papa"))),
    "tr": ("nurse", (("annesi", "babası"), ("anne", "baba"))),
    "ja": ("nurse", (("ママ", "パパ"), ("児の母", "児の父"))),
    "ko": ("nurse", (("엄마", "아빠"),)),
    "zh": ("nurse", (("妈妈", "爸爸"),)),
    "en": ("nurse", (("Mom", "Dad"), ("mom", "dad"), ("grandma", "grandpa"))),
}


def words(bios: list[dict[str, str]]) -> set[str]:
    """The words of the bios; CJK runs are cut into every substring of up to four characters."""
    out: set[str] = set()
    for text in (t for b in bios for t in b.values()):
        for w in WORDS.findall(text):
            out.add(w)
            if regex.match(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]", w):
                out.update(w[i : i + k] for k in range(2, 5) for i in range(len(w)))
    return out


@pytest.mark.parametrize("lang", sorted(CASES))
def test_gender_agrees(lang: str) -> None:
    key, pairs = CASES[lang]
    code = HOME[lang]
    seen: dict[str, set[str]] = {}
    for sex in ("female", "male"):
        persons = [
            someone(
                code,
                seed,
                sex=sex,
                gender="non-binary" if seed % 4 == 0 else sex,
                age=38,
                life_stage="employed",
                occupation_key=key,
                education_level="bachelor",
            )
            for seed in range(120)
        ]
        seen[sex] = words(bios_of(persons, SPEC, seed=len(lang)))
    for female, male in pairs:
        assert male not in seen["female"], (lang, male)
        assert female not in seen["male"], (lang, female)
    assert pairs[0][0] in seen["female"] and pairs[0][1] in seen["male"], lang


@pytest.mark.parametrize(
    ("lang", "stage", "female", "male"),
    [
        ("de", "retired", "Rentnerin", "Rentner"),
        ("fr", "retired", "retraitée", "retraité"),
        ("es", "retired", "jubilada", "jubilado"),
        ("it", "retired", "pensionata", "pensionato"),
        ("pl", "retired", "emerytka", "emeryt"),
        ("it", "student", "studentessa", "studente"),
        ("ar", "student", "طالبة", "طالب"),
    ],
)
def test_life_stage_words_agree(lang: str, stage: str, female: str, male: str) -> None:
    for sex, want, other in (("female", female, male), ("male", male, female)):
        persons = [
            someone(
                HOME[lang],
                seed,
                sex=sex,
                gender=sex,
                age=70 if stage == "retired" else 21,
                life_stage=stage,
                occupation_key=stage,
            )
            for seed in range(80)
        ]
        seen = {w.casefold() for w in words(bios_of(persons, SPEC))}
        assert want.casefold() in seen and other.casefold() not in seen, (lang, sex)
