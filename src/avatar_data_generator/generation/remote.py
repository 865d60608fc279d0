"""What the Flowise and OpenAI-compatible providers share: one client and a bounded call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from avatar_data_generator.generation.base import BatchRequest, ProviderError
from avatar_data_generator.generation.facts import sample_batch
from avatar_data_generator.generation.grounding import merge
from avatar_data_generator.generation.http import (
    MAX_ANSWER_BYTES,
    call_deadline,
    classify_response,
    classify_transport,
    make_client,
    post_json,
)
from avatar_data_generator.generation.population import PersonFacts
from avatar_data_generator.generation.sanitize import describe_answer


class RemoteProvider:
    """A provider behind HTTP: POST a JSON body to `url`, read a bounded answer, classify errors."""

    #: Words for messages a user reads ("Flowise", "The OpenAI-compatible server").
    label = "The provider"
    #: What to check when the server refuses the key.
    key_hint = "check the API key"

    def __init__(
        self, url: str, timeout: float, api_key: str | None, settings: Mapping[str, Any]
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.max_bytes = int(settings.get("PROVIDER_MAX_ANSWER_BYTES") or MAX_ANSWER_BYTES)
        self.client = make_client(timeout, api_key)

    def post(self, body: Any) -> httpx.Response:
        """One call within the deadline and the size cap; any failure is a ProviderError."""
        try:
            response = post_json(
                self.client,
                self.url,
                body,
                timeout=self.timeout,
                max_bytes=self.max_bytes,
                label=self.label,
            )
        except httpx.HTTPError as exc:
            raise classify_transport(self.label, self.url, exc, self.timeout) from exc
        if response.status_code >= 400:
            raise classify_response(self.label, response, self.key_hint)
        return response

    def probe_url(self) -> str:
        """A cheap GET that any answering server serves."""
        return self.url

    def probe(self) -> None:
        """Raise ProviderError unless the server answers (any status below 500 counts)."""
        url = self.probe_url()
        try:
            with call_deadline(min(self.timeout, 5.0)):
                answer = self.client.get(url)
        except httpx.HTTPError as exc:
            raise classify_transport(self.label, url, exc, min(self.timeout, 5.0)) from exc
        if answer.status_code >= 500:
            raise classify_response(self.label, answer, self.key_hint)

    def people_of(self, request: BatchRequest) -> list[PersonFacts] | None:
        """In `sampled` mode the batch's people, drawn before the call; None in `model` mode."""
        return sample_batch(request) if request.facts == "sampled" else None

    def answered(
        self,
        people: list[PersonFacts] | None,
        items: list[Any],
        status: int,
        repaired: bool,
        payload: Any,
    ) -> tuple[list[Any], int, int]:
        """The personas of an answer: merged with the sampled facts in `sampled` mode.

        Returns (items, facts overridden, answers unmatched); no persona at all is an error
        worth another attempt.
        """
        if people is None:
            if not items:
                raise self.no_personas(payload, status)
            return items, 0, 0
        merged = merge(people, items)
        if not merged.items:
            raise self.no_personas(payload, status)
        return merged.items, merged.overridden, merged.unmatched

    def no_personas(self, payload: Any, status: int, what: str = "any personas") -> ProviderError:
        """An answer holding nothing usable: worth another attempt, with an excerpt."""
        return ProviderError(
            f"{self.label} answered without {what}: {describe_answer(payload)}",
            retryable=True,
            status_code=status,
        )
