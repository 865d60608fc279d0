"""Elision, articles, particles, suffixes, plurals and punctuation per language."""

from __future__ import annotations

import pytest
import regex

from avatar_data_generator.generation.bios import BioSpec
from avatar_data_generator.generation.bios.grammar import (
    arabic,
    arabic_years,
    english_article,
    german_dative,
    join_list,
    korean,
    modify,
    polish_years,
    turkish,
)
from avatar_data_generator.generation.bios.romance import job_code
from tests.generation.bios.conftest import HOME, bios_of, people

CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"


@pytest.mark.parametrize(
    ("lang", "mod", "value", "code", "proper", "want"),
    [
        ("fr", "d", "histoire", None, False, "d'histoire"),
        ("fr", "d", "hockey sur glace", None, False, "de hockey sur glace"),
        ("fr", "le", "histoire", "v", False, "l'histoire"),
        ("fr", "de", "football", "m", False, "du football"),
        ("fr", "a", "jeux vidéo", "p", False, "aux jeux vidéo"),
        ("fr", "a", "Le Havre", None, True, "au Havre"),
        ("fr", "de", "Orléans", None, True, "d'Orléans"),
        ("fr", "de", "la foi", "0", False, "de la foi"),
        ("es", "del", "fútbol", "m", False, "del fútbol"),
        ("es", "al", "cocina", "f", False, "a la cocina"),
        ("es", "el", "correr", "0", False, "correr"),
        ("it", "del", "sci", "s", False, "dello sci"),
        ("it", "il", "astronomia", "v", False, "l'astronomia"),
        ("it", "al", "scacchi", "sp", False, "agli scacchi"),
        ("pt", "em", "Porto", None, True, "no Porto"),
        ("pt", "em", "Lisboa", None, True, "em Lisboa"),
        ("pt", "pelo", "tecnologia", "f", False, "pela tecnologia"),
        ("pt", "do", "cinema", "m", False, "do cinema"),
        ("en", "a", "engineer", None, False, "an engineer"),
        ("nl", "de", "onderwijs", "het", False, "het onderwijs"),
        ("de", "dat", "klassische Musik", None, False, "klassischer Musik"),
    ],
)
def test_articles_and_elision(
    lang: str, mod: str, value: str, code: str | None, proper: bool, want: str
) -> None:
    assert modify(lang, mod, value, code, proper) == want


def test_small_words() -> None:
    assert english_article("university student") == "a university student"
    assert english_article("hour") == "an hour"
    assert german_dative("Fußball") == "Fußball"
    assert join_list(["cine", "historia"], "es") == "cine e historia"
    assert join_list(["a", "b", "c"], "de") == "a, b und c"
    assert join_list(["读书", "旅行", "摄影"], "zh") == "读书、旅行和摄影"
    assert join_list(["読書", "料理"], "ja") == "読書と料理"
    assert join_list(["القراءة", "الطبخ"], "ar") == "القراءة والطبخ"
    assert join_list(["독서", "요리"], "ko") == "독서와 요리"
    assert (
        job_code("it", "psicologo", "male") == "s" and job_code("fr", "infirmière", "female") == "v"
    )


@pytest.mark.parametrize(
    ("word", "particle", "want"),
    [
        ("독서", "과", "독서와"),
        ("축구", "을", "축구를"),
        ("서울", "으로", "서울로"),
        ("부산", "으로", "부산으로"),
        ("간호사", "이에요", "간호사예요"),
        ("학생", "이에요", "학생이에요"),
        ("요리", "은", "요리는"),
    ],
)
def test_korean_particles(word: str, particle: str, want: str) -> None:
    assert korean(word, particle) == want


@pytest.mark.parametrize(
    ("word", "suffix", "proper", "want"),
    [
        ("İstanbul", "da", True, "İstanbul'da"),
        ("İzmir", "da", True, "İzmir'de"),
        ("Sinop", "da", True, "Sinop'ta"),
        ("Ankara", "dan", True, "Ankara'dan"),
        ("Bursa", "li", True, "Bursalı"),
        ("İzmir", "li", True, "İzmirli"),
        ("öğretmen", "yim", False, "öğretmenim"),
        ("aşçı", "yim", False, "aşçıyım"),
        ("doktor", "yim", False, "doktorum"),
        ("kitap okumak", "ma", False, "kitap okuma"),
    ],
)
def test_turkish_suffixes(word: str, suffix: str, proper: bool, want: str) -> None:
    assert turkish(word, suffix, proper) == want


def test_plurals_of_years() -> None:
    assert [polish_years(n) for n in ("3", "5", "12", "22", "25")] == [
        "3 lata",
        "5 lat",
        "12 lat",
        "22 lata",
        "25 lat",
    ]
    assert [arabic_years(n) for n in ("2", "5", "15")] == ["سنتين", "5 سنوات", "15 سنة"]
    assert arabic("القراءة", "li") == "للقراءة" and arabic("علوم الحاسوب", "al") == "علوم الحاسوب"


def _all(lang: str, n: int = 150) -> list[str]:
    spec = BioSpec.make(tone="friendly")
    return [b for bios in bios_of(people(HOME[lang], n), spec) for b in bios.values()]


def test_french_typography() -> None:
    for bio in _all("fr"):
        assert not regex.search(r"\S[!?;]", bio.replace("\u202f", " ")) or "\u202f" in bio, bio
        assert " !" not in bio and " ?" not in bio and " :" not in bio, bio
        assert not regex.search(r"\b(?:de|le|la|que) [aeiouéèêàh](?!ockey|ip)", bio), bio


def test_spanish_opening_marks() -> None:
    for bio in _all("es"):
        assert bio.count("¡") == bio.count("!") and bio.count("¿") == bio.count("?"), bio


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_cjk_has_no_spaces_between_words_and_full_width_marks(lang: str) -> None:
    for bio in _all(lang):
        body = bio.split(" #")[0]
        assert not regex.search(f"{CJK} +{CJK}", body), bio
        assert not regex.search(f"{CJK}[,.!?:;]", body), bio


def test_arabic_comma_and_no_bidi_controls() -> None:
    for bio in _all("ar"):
        assert not regex.search(r"\p{Arabic},", bio), bio
        assert not regex.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", bio), bio
