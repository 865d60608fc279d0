"""The shapes the queue hands out and takes back: a claimed batch, a result, an outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


@dataclass(frozen=True)
class ClaimedBatch:
    """A batch this process now holds a lease on, with what it needs from its task."""

    id: int
    task_id: str
    batch_index: int
    size: int
    attempts: int
    is_topup: bool
    #: This claim moved its task from `pending` to `generating-data`.
    task_started: bool = False
    # What the batch needs from its task, read in the claim itself (no extra round trip).
    provider: str = "local"
    locale: str = "en"
    seed: int | None = None
    bio_settings: dict[str, Any] = field(default_factory=dict)
    requested: int = 0
    batch_size: int = 0
    #: When the task was submitted (its people's ages are counted on that day).
    created_at: datetime | None = None
    #: Who decides the facts: `sampled` (the population sampler) or `model`.
    facts: str = "sampled"


@dataclass(frozen=True)
class BatchResult:
    """A batch's validated personas and figures, ready to be stored."""

    batch: ClaimedBatch
    #: Storage rows (`store.storage_row`); more than the batch's size are cut off.
    personas: list[dict[str, Any]]
    duration: float
    calls: int = 1
    tokens: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    #: What the call cost (None when no price is set for its provider and model).
    cost: float | None = None
    quality: dict[str, Any] = field(default_factory=dict)
    #: Top-up calls the task may still make if this batch comes back short.
    topup_budget: int = 0


@dataclass(frozen=True)
class FinishedBatch:
    """What storing a batch did to its task."""

    inserted: int
    task_status: str
    topup_batch: int | None
    #: From leaving `pending` to finishing, when this batch finished the task.
    task_seconds: float | None = None


class Stored(NamedTuple):
    """What the finishing statement did to one batch's task."""

    was: str  # the task's status before
    inserted: int
    #: Personas the task could still take from this batch (its size, or less near the end).
    wanted: int
    status: str  # and after
    started_at: datetime | None
    finished_at: datetime | None
