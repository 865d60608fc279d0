"""What a chatflow or a model answers to a grounded question (facts listed under p1 … pN).

By default the grounded shape, `{"ref", "bios", "personality"}` per reference. Faults prove the
app's facts win and nothing is lost: `full` (whole personas, facts changed, matched by ref),
`full-no-refs` (whole personas by position), `missing-refs` (the second persona left out),
`extra-personas` (one unknown ref and one without any).
"""

from __future__ import annotations

import random
import re
from typing import Any

from tests.standins.personas import fake_persona

_REF = re.compile(r"^(p\d+): ", re.MULTILINE)
_PLATFORMS = re.compile(r"bios for exactly these platforms: ([a-z, ]+)\.")
FAULTS = frozenset({"full", "full-no-refs", "missing-refs", "extra-personas"})


def is_grounded(question: str) -> bool:
    """Whether the question lists sampled facts under references."""
    return bool(_REF.search(question))


def answer(question: str, rng: random.Random, n: int, fault: str | None) -> list[dict[str, Any]]:
    """The personas a model would send back for this grounded question."""
    refs = _REF.findall(question)
    found = _PLATFORMS.search(question)
    platforms = [p.strip() for p in found.group(1).split(",")] if found else ["x"]
    out: list[dict[str, Any]] = []
    for i, ref in enumerate(refs):
        bios = {p: f"{p} bio {n}-{i} by the model, true to {ref}" for p in platforms}
        item: dict[str, Any] = {"ref": ref, "bios": bios, "personality": f"I am {ref}, curious."}
        if fault in ("full", "full-no-refs"):
            item = fake_persona(rng, n) | {"bios": bios, "personality": item["personality"]}
            item["first_name"] = f"Changed{i}"  # a fact the model rewrote: ours must win
            if fault == "full":
                item["ref"] = ref
        out.append(item)
    if fault == "missing-refs" and len(out) > 1:
        del out[1]
    if fault == "extra-personas":
        out.append({"ref": "p999", "bios": {}, "personality": "nobody"})
        out.append({"bios": {}, "personality": "no ref at all"})
    return out
