"""What a task's stored bios look like: in the language they should be, hashtags only at the end.

Measured on the stored personas, whatever wrote them (the offline writer or a model), for the
realism report. The language of each bio is identified without being told which languages to
expect (`bios.bio_language`), so a bio in the wrong language is a real miss. Identifying costs
about 40 µs a bio, so a large task is sampled: every `stride`-th persona.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from avatar_data_generator.generation.bios import bio_language
from avatar_data_generator.generation.population import UnknownCountry, country, resolve_country

#: Bios whose language is identified in one report (spread over the task by the stride).
MAX_CHECKED = 20_000
_EXAMPLES = 5


def stride_for(personas: int, platforms: int) -> int:
    """Every how many personas to check so that at most MAX_CHECKED bios are identified."""
    return max(1, -(-personas * max(platforms, 1) // MAX_CHECKED))


def expected_language(persona: Mapping[str, Any], language: str | None) -> str | None:
    """The base language a persona's bios should be in: the setting's, else its country's."""
    if language:
        return language.split("-")[0].lower()
    code = persona.get("country_code") or persona.get("country")
    if not isinstance(code, str) or not code:
        return None
    try:
        return country(resolve_country(code)).language
    except UnknownCountry:
        return None


def hashtags_at_end(bio: str) -> bool:
    """True if no word that is not a hashtag (or emoji) follows the bio's first hashtag."""
    words = bio.split()
    first = next((i for i, w in enumerate(words) if w.startswith("#") and len(w) > 1), None)
    if first is None:
        return True
    return all(w.startswith("#") or not any(ch.isalnum() for ch in w) for w in words[first:])


class BioAudit:
    """Streams stored persona dicts; `report()` gives the bio part of the realism report."""

    def __init__(self, language: str | None, stride: int = 1) -> None:
        self.language = language
        self.stride = max(1, stride)
        self._seen = 0
        self._checked = 0
        self._matched = 0
        self._undetected = 0
        self._by_language: dict[str, list[int]] = {}
        self._detected_as: dict[str, int] = {}  # a Counter is slow to make, one a task
        self._misses: list[str] = []
        self._bios = 0
        self._tags_inside = 0
        self._tag_examples: list[str] = []

    def add(self, personas: Iterable[Mapping[str, Any]]) -> None:
        """Tally a chunk of stored personas."""
        for persona in personas:
            bios = persona.get("bios")
            if not isinstance(bios, Mapping):
                continue
            texts = [t for t in bios.values() if isinstance(t, str) and t]
            self._bios += len(texts)
            pid = str(persona.get("id", ""))
            for text in texts:
                if not hashtags_at_end(text):
                    self._tags_inside += 1
                    if len(self._tag_examples) < _EXAMPLES and pid not in self._tag_examples:
                        self._tag_examples.append(pid)
            self._seen += 1
            if (self._seen - 1) % self.stride:
                continue
            expected = expected_language(persona, self.language)
            if expected is not None:
                self._identify(pid, expected, texts)

    def _identify(self, pid: str, expected: str, texts: list[str]) -> None:
        tally = self._by_language.setdefault(expected, [0, 0])
        for text in texts:
            found = bio_language(text)
            if found is None:
                self._undetected += 1
                continue
            self._checked += 1
            tally[0] += 1
            if found == expected:
                self._matched += 1
                tally[1] += 1
            else:
                key = f"{expected}->{found}"
                self._detected_as[key] = self._detected_as.get(key, 0) + 1
                if len(self._misses) < _EXAMPLES and pid not in self._misses:
                    self._misses.append(pid)

    def report(self) -> dict[str, Any]:
        """`bio_language` and `hashtags_not_at_end`, for the realism report."""
        return {
            "bio_language": {
                "expected": self.language or "each persona's country's language",
                "share": round(self._matched / self._checked, 4) if self._checked else None,
                "checked": self._checked,
                "too_short_to_tell": self._undetected,
                "every_nth_persona": self.stride,
                "by_language": {
                    lang: {"bios": n, "share": round(k / n, 4) if n else None}
                    for lang, (n, k) in sorted(self._by_language.items())
                },
                "confused": dict(  # Counter.most_common(8): ties in order of first sight
                    sorted(self._detected_as.items(), key=lambda kv: kv[1], reverse=True)[:8]
                ),
                "examples": self._misses,
            },
            "hashtags_not_at_end": {
                "count": self._tags_inside,
                "bios": self._bios,
                "examples": self._tag_examples,
            },
        }
