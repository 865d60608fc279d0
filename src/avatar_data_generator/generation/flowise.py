"""The Flowise provider: the contract's prediction request; `json` or `text` answers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from avatar_data_generator.generation.base import BatchRequest, ProviderError, ProviderResponse
from avatar_data_generator.generation.http import (
    MAX_ANSWER_BYTES,
    classify_response,
    classify_transport,
    decode_json,
    make_client,
    post_json,
    public_url,
)
from avatar_data_generator.generation.pipeline import parse_items
from avatar_data_generator.generation.prompt import PROMPT_VERSION, build_prompt, vars_for
from avatar_data_generator.generation.sanitize import describe_answer

LABEL = "Flowise"


class FlowiseProvider:
    """Calls one Flowise chatflow's prediction API, a fresh chatId per request."""

    name = "flowise"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        base = settings.get("FLOWISE_API_URL")
        chatflow = settings.get("FLOWISE_CHATFLOW_ID")
        if not base or not chatflow:
            raise ValueError("FLOWISE_API_URL and FLOWISE_CHATFLOW_ID must be set for flowise")
        self.base_url = str(base).rstrip("/")
        self.chatflow_id = str(chatflow).strip()
        self.url = f"{self.base_url}/api/v1/prediction/{self.chatflow_id}"
        self.timeout = float(settings.get("FLOWISE_TIMEOUT") or 300)
        self.max_bytes = int(settings.get("PROVIDER_MAX_ANSWER_BYTES") or MAX_ANSWER_BYTES)
        self.client = make_client(self.timeout, settings.get("FLOWISE_API_KEY") or None)

    def provenance(self) -> dict[str, Any]:
        """Identify the chatflow and the prompt."""
        return {
            "provider": self.name,
            "chatflow_id": self.chatflow_id,
            "api_url": public_url(self.base_url),
            "prompt_version": PROMPT_VERSION,
        }

    def request_body(self, request: BatchRequest) -> dict[str, Any]:
        """The contract's body: the question alone suffices; vars help Flowise before 3.1.3."""
        return {
            "question": build_prompt(request),
            "overrideConfig": {"vars": vars_for(request)},
            "chatId": str(uuid.uuid4()),
            "streaming": False,
        }

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """One prediction call for one batch."""
        try:
            response = post_json(
                self.client,
                self.url,
                self.request_body(request),
                timeout=self.timeout,
                max_bytes=self.max_bytes,
                label=LABEL,
            )
        except httpx.HTTPError as exc:
            raise classify_transport(LABEL, self.url, exc, self.timeout) from exc
        if response.status_code >= 400:
            raise classify_response(LABEL, response, "check FLOWISE_API_KEY")
        data = decode_json(response)
        payload: Any
        if isinstance(data, dict) and data.get("json") not in (None, "", {}):
            payload = data["json"]
        elif isinstance(data, dict):
            payload = data.get("text") or ""
        else:
            payload = data
        items, repaired = parse_items(payload)
        if not items:
            raise ProviderError(
                f"{LABEL} answered without any personas: {describe_answer(payload)}",
                retryable=True,
                status_code=response.status_code,
            )
        return ProviderResponse(items=items, repaired=repaired, model=f"flowise:{self.chatflow_id}")
