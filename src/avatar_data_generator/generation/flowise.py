"""The Flowise provider (first version): the contract's request, `json` or `text` answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from avatar_data_generator.generation.base import BatchRequest, ProviderError, ProviderResponse


class FlowiseProvider:
    """Calls a Flowise chatflow's prediction API."""

    name = "flowise"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        if not settings.get("FLOWISE_API_URL") or not settings.get("FLOWISE_CHATFLOW_ID"):
            raise ValueError("FLOWISE_API_URL and FLOWISE_CHATFLOW_ID must be set for flowise")
        self.url = (
            f"{str(settings['FLOWISE_API_URL']).rstrip('/')}/api/v1/prediction/"
            f"{settings['FLOWISE_CHATFLOW_ID']}"
        )
        self.chatflow_id = str(settings["FLOWISE_CHATFLOW_ID"])
        headers = {"Content-Type": "application/json"}
        if settings.get("FLOWISE_API_KEY"):
            headers["Authorization"] = f"Bearer {settings['FLOWISE_API_KEY']}"
        self.client = httpx.Client(headers=headers, timeout=float(settings["FLOWISE_TIMEOUT"]))

    def provenance(self) -> dict[str, Any]:
        """Identify the chatflow."""
        return {"provider": "flowise", "chatflow_id": self.chatflow_id, "prompt_version": "1"}

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """One prediction call."""
        body = {
            "question": f'Generate {request.count} personas as JSON {{"personas": [...]}}.',
            "overrideConfig": {
                "vars": {
                    "count": request.count,
                    "bio_settings": json.dumps(request.bio_settings),
                    "locale": request.locale,
                }
            },
            "chatId": str(uuid.uuid4()),
            "streaming": False,
        }
        try:
            response = self.client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise ProviderError(f"Flowise unreachable: {exc}", retryable=True) from exc
        if response.status_code != 200:
            raise ProviderError(
                f"Flowise HTTP {response.status_code}: {response.text[:200]}",
                retryable=response.status_code in (408, 429, 502, 503, 504),
                status_code=response.status_code,
            )
        data = response.json()
        items = data.get("json")
        if isinstance(items, dict):
            items = items.get("personas", [])
        if items is None:
            items = json.loads(data.get("text") or "{}").get("personas", [])
        return ProviderResponse(items=list(items))
