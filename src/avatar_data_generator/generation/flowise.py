"""The Flowise provider: the contract's prediction request; `json` or `text` answers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderResponse
from avatar_data_generator.generation.cost import estimate_tokens
from avatar_data_generator.generation.http import decode_json, public_url
from avatar_data_generator.generation.parse import parse_items
from avatar_data_generator.generation.population import PersonFacts
from avatar_data_generator.generation.prompt import (
    GROUNDED_PROMPT_VERSION,
    PROMPT_VERSION,
    build_grounded_prompt,
    build_prompt,
    vars_for,
)
from avatar_data_generator.generation.remote import RemoteProvider


class FlowiseProvider(RemoteProvider):
    """Calls one Flowise chatflow's prediction API, a fresh chatId per request."""

    name = "flowise"
    label = "Flowise"
    key_hint = "check FLOWISE_API_KEY"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.base_url = str(settings["FLOWISE_API_URL"]).rstrip("/")
        self.chatflow_id = str(settings["FLOWISE_CHATFLOW_ID"]).strip()
        super().__init__(
            f"{self.base_url}/api/v1/prediction/{self.chatflow_id}",
            float(settings.get("FLOWISE_TIMEOUT") or 300),
            settings.get("FLOWISE_API_KEY") or None,
            settings,
        )

    def probe_url(self) -> str:
        """Where a probe asks whether the server answers again."""
        return f"{self.base_url}/api/v1/ping"

    def provenance(self) -> dict[str, Any]:
        """Identify the chatflow and the prompt."""
        return {
            "provider": self.name,
            "chatflow_id": self.chatflow_id,
            "api_url": public_url(self.base_url),
            "prompt_version": PROMPT_VERSION,
            "grounded_prompt_version": GROUNDED_PROMPT_VERSION,
        }

    def request_body(
        self, request: BatchRequest, people: list[PersonFacts] | None = None
    ) -> dict[str, Any]:
        """The contract's body: the question alone suffices; vars help Flowise before 3.1.3."""
        question = (
            build_prompt(request) if people is None else build_grounded_prompt(request, people)
        )
        return {
            "question": question,
            "overrideConfig": {"vars": vars_for(request)},
            "chatId": str(uuid.uuid4()),
            "streaming": False,
        }

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """One prediction call for one batch."""
        people = self.people_of(request)
        body = self.request_body(request, people)
        response = self.post(body)
        data = decode_json(response)
        payload: Any
        if isinstance(data, dict) and data.get("json") not in (None, "", {}):
            payload = data["json"]
        elif isinstance(data, dict):
            payload = data.get("text") or ""
        else:
            payload = data
        items, repaired = parse_items(payload)
        items, overridden, unmatched = self.answered(
            people, items, response.status_code, repaired, payload
        )
        # Flowise reports no usage: the counts are estimated from the words sent and received.
        tokens_in = estimate_tokens(body["question"])
        tokens_out = estimate_tokens(response.text)
        return ProviderResponse(
            items=items,
            repaired=repaired,
            tokens=tokens_in + tokens_out,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            tokens_estimated=True,
            model=f"flowise:{self.chatflow_id}",
            facts_overridden=overridden,
            answers_unmatched=unmatched,
        )
