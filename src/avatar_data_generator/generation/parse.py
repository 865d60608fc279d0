"""Reading a model's answer: the persona list inside JSON, fenced JSON, prose or broken JSON.

Models wrap JSON in code fences or prose, cut it off, or break it; each slice that may hold the
JSON is tried strictly first, then repaired (json-repair), so a truncated answer keeps the
personas it finished.
"""

from __future__ import annotations

import json
import re
from typing import Any

import json_repair

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|\Z)", re.DOTALL)


# --- parsing --------------------------------------------------------------------------------


def _personas_in(value: Any) -> list[Any] | None:
    """The persona list inside a parsed answer: {"personas": [...]}, a bare list, or one object."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("personas", "data", "items", "results"):
            if isinstance(value.get(key), list):
                return list(value[key])
        if "first_name" in value:
            return [value]
    return None


def _candidates(text: str) -> list[str]:
    """Slices of `text` that may hold the JSON: whole, fenced blocks, first bracket onwards."""
    out = [text.strip()]
    out += [m.group(1).strip() for m in _FENCE.finditer(text) if m.group(1).strip()]
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if starts:
        start = min(starts)
        end = max(text.rfind("}"), text.rfind("]"))
        out.append(text[start : end + 1] if end > start else text[start:])
        out.append(text[start:])
    return [c for c in dict.fromkeys(out) if c]


def parse_items(payload: Any) -> tuple[list[Any], bool]:
    """Persona items from an answer (object, list or text); returns (items, needed_repair)."""
    if not isinstance(payload, str):
        return _personas_in(payload) or [], False
    candidates = _candidates(payload)
    for candidate in candidates:
        try:
            items = _personas_in(json.loads(candidate))
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to read
            continue
        if items is not None:
            return items, False
    for candidate in candidates:
        if candidate[0] not in "{[":
            continue
        try:
            repaired = json_repair.loads(candidate)
        except Exception:  # json-repair gives up on some inputs; try the next slice
            continue
        items = _personas_in(repaired)
        if items:
            return items, True
    return [], False
