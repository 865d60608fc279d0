"""The provider interface: what the worker asks a generator for, and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class BatchRequest:
    """Generate `count` personas for one batch of one task."""

    task_id: str
    batch_index: int
    count: int
    locale: str
    bio_settings: dict[str, Any]
    #: Per-batch seed derived from the task's seed; None means not reproducible.
    seed: int | None = None
    attempt: int = 1
    #: The day the people's ages are counted on (the task's creation date; None: today).
    as_of: date | None = None
    #: `sampled`: the population sampler draws the facts and the model writes the prose;
    #: `model`: the model invents every fact (tasks default to `sampled`: see tasks.py).
    facts: str = "model"


@dataclass
class ProviderResponse:
    """Raw persona objects as the provider returned them, before validation."""

    items: list[Any]
    #: The raw JSON text needed repair before it parsed.
    repaired: bool = False
    #: The provider stopped early (e.g. OpenAI finish_reason == "length").
    truncated: bool = False
    tokens: int | None = None
    #: Prompt and completion tokens; `tokens_estimated` when the server reported none.
    tokens_in: int | None = None
    tokens_out: int | None = None
    tokens_estimated: bool = False
    model: str | None = None
    #: Written by this app (the local provider): nothing hostile to clean away.
    trusted: bool = False
    #: Sampled mode: facts the model wrote differently (replaced by the sampled ones), and
    #: answers that matched no persona of the batch.
    facts_overridden: int = 0
    answers_unmatched: int = 0


class ProviderError(Exception):
    """A provider call failed; `retryable` says whether another attempt may succeed."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status_code = status_code


class Provider(Protocol):
    """A generator of raw personas: Flowise, an OpenAI-compatible server or the local one."""

    name: str

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """Make one call for one batch; raise ProviderError on failure."""
        ...

    def provenance(self) -> dict[str, Any]:
        """What identifies this generator: model or chatflow, prompt version."""
        ...


@dataclass
class BatchOutcome:
    """Validated personas ready to store, plus what validation saw (for the quality report)."""

    personas: list[dict[str, Any]]
    #: Each persona's dedupe key (`pipeline.dedupe_key`), computed once, in the same order.
    keys: list[str] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)
    tokens: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    model: str | None = None
