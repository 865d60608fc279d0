"""Facts sampled, prose written: the model writes only the words around the sampler's facts.

For a batch in `sampled` mode the population sampler draws each persona's facts first; the prompt
lists them under references p1 … pN and asks only for bios and a personality sentence. The
answer may come in that shape or as full personas (matched by `ref`, else by position); either
way every fact comes from the sampler, and a fact the model wrote differently is replaced and
counted (`facts_overridden`). A persona with no answer is a shortfall, topped up as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from avatar_data_generator.generation.population import PersonFacts

#: The facts a model may echo back; any that differs from the sampled one is replaced.
FACT_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "date_of_birth",
    "country",
    "city",
    "nationality",
    "occupation",
    "education",
    "region",
    "life_stage",
)
#: The languages the facts' texts are in, by the code the prompt names them with.
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "pt": "Portuguese", "de": "German", "fr": "French",
    "it": "Italian", "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "ja": "Japanese",
    "ko": "Korean", "zh": "Chinese", "hi": "Hindi", "ar": "Arabic",
}  # fmt: skip


def ref(index: int) -> str:
    """The short reference of the persona at `index` (p1 is the first)."""
    return f"p{index + 1}"


def describe(facts: PersonFacts, language: str | None) -> str:
    """One persona's facts as one line of the prompt."""
    lang = language or facts.language
    place = facts.city if facts.region in ("", facts.city) else f"{facts.city}, {facts.region}"
    return (
        f"{facts.first_name} {facts.last_name} ({facts.gender}, {facts.age}), {facts.life_stage}"
        f"; occupation: {facts.occupation}; education: {facts.education}; lives in {place},"
        f" {facts.country} ({facts.nationality}); interests: {', '.join(facts.interests)};"
        f" personality: {facts.personality}; writes in {LANGUAGE_NAMES.get(lang[:2], lang)}"
        f" ({lang})"
    )


@dataclass(frozen=True)
class Merged:
    """The batch's personas: sampled facts with the model's prose, and what it took."""

    items: list[dict[str, Any]]
    #: Facts in the answer that differed from the sampled ones (replaced by ours).
    overridden: int
    #: Answers that matched no persona of the batch (extra, or with unknown refs).
    unmatched: int


def _by_ref(answers: Sequence[Any], count: int) -> dict[int, dict[str, Any]]:
    """Answers keyed by the persona they are for: their `ref`, else their position."""
    matched: dict[int, dict[str, Any]] = {}
    loose = []
    for answer in answers:
        if not isinstance(answer, dict):
            continue
        key = str(answer.get("ref") or "").strip().lower()
        index = int(key[1:]) - 1 if key[:1] == "p" and key[1:].isdigit() else None
        if index is not None and 0 <= index < count and index not in matched:
            matched[index] = answer
        elif index is None:
            loose.append(answer)
    free = [i for i in range(count) if i not in matched]
    for index, answer in zip(free, loose, strict=False):
        matched[index] = answer
    return matched


def _differs(ours: Any, theirs: Any) -> bool:
    if theirs in (None, ""):
        return False
    return str(theirs).strip().casefold() != str(ours).strip().casefold()


def merge(people: Sequence[PersonFacts], answers: Sequence[Any]) -> Merged:
    """Each sampled person with the prose the model wrote for them; ours win every fact."""
    matched = _by_ref(answers, len(people))
    items, overridden = [], 0
    for index, facts in enumerate(people):
        answer = matched.get(index)
        if answer is None:
            continue  # a shortfall: topped up like any missing persona
        persona = facts.as_persona()
        overridden += sum(_differs(persona[f], answer.get(f)) for f in FACT_FIELDS)
        persona["bios"] = answer.get("bios") if isinstance(answer.get("bios"), dict) else {}
        written = answer.get("personality")
        if isinstance(written, str) and written.strip():
            persona["personality"] = written
        items.append(persona)
    unmatched = sum(1 for a in answers if isinstance(a, dict)) - len(matched)
    return Merged(items, overridden, max(0, unmatched))
