"""The bio part of the realism report: languages identified blind, hashtags only at the end."""

from __future__ import annotations

from avatar_data_generator.generation.bio_audit import (
    MAX_CHECKED,
    BioAudit,
    expected_language,
    hashtags_at_end,
    stride_for,
)

GERMAN = "Lehrerin aus Leipzig. Ich lese gern Krimis und wandere am Wochenende mit meinem Hund."
ENGLISH = "Teacher from Leeds. I love crime novels and long walks with my dog at the weekend."


def test_hashtags_only_at_the_end() -> None:
    assert hashtags_at_end("Nurse in Lyon ✨ #running #jazz")
    assert hashtags_at_end("No tags at all")
    assert hashtags_at_end("Line one\nline two\n#a #b 🌿")
    assert not hashtags_at_end("#running is my life, and jazz")
    assert not hashtags_at_end("Nurse #lyon who loves jazz")


def test_expected_language_is_the_setting_else_the_country() -> None:
    assert expected_language({"country_code": "JP"}, None) == "ja"
    assert expected_language({"country": "Germany"}, None) == "de"
    assert expected_language({"country_code": "JP"}, "pt-BR") == "pt"
    assert expected_language({"country": "Atlantis"}, None) is None


def test_a_bio_in_the_wrong_language_is_a_miss() -> None:
    audit = BioAudit(None)
    audit.add(
        [
            {"id": "a", "country_code": "DE", "bios": {"x": GERMAN, "linkedin": GERMAN}},
            {
                "id": "b",
                "country_code": "DE",
                "bios": {"x": ENGLISH, "facebook": "#Leipzig " + GERMAN},
            },
        ]
    )
    report = audit.report()
    lang = report["bio_language"]
    assert lang["checked"] == 4
    assert lang["share"] == 0.75
    assert lang["by_language"]["de"]["bios"] == 4
    assert lang["confused"] == {"de->en": 1}
    assert lang["examples"] == ["b"]
    assert report["hashtags_not_at_end"] == {"count": 1, "bios": 4, "examples": ["b"]}


def test_a_large_task_is_sampled_by_a_stride() -> None:
    assert stride_for(1000, 5) == 1
    assert stride_for(1_000_000, 5) * MAX_CHECKED >= 5_000_000
    audit = BioAudit("en", stride=2)
    audit.add({"id": str(i), "bios": {"x": ENGLISH}} for i in range(10))
    assert audit.report()["bio_language"]["checked"] == 5
    assert audit.report()["hashtags_not_at_end"]["bios"] == 10
