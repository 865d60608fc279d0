"""The OpenAI-compatible provider: chat completions with a JSON schema (OpenAI, Ollama, vLLM)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from avatar_data_generator.generation.base import BatchRequest, ProviderError, ProviderResponse
from avatar_data_generator.generation.http import (
    classify_response,
    classify_transport,
    make_client,
)
from avatar_data_generator.generation.pipeline import parse_items
from avatar_data_generator.generation.prompt import PROMPT_VERSION, build_prompt, persona_schema

LABEL = "The OpenAI-compatible server"
SYSTEM = (
    "You write synthetic persona data for software testing. The people are fictional. "
    "Answer with JSON that matches the given schema, nothing else."
)


class OpenAIProvider:
    """POST {OPENAI_BASE_URL}/chat/completions with response_format json_schema."""

    name = "openai"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        base = settings.get("OPENAI_BASE_URL")
        model = settings.get("OPENAI_MODEL")
        if not base or not model:
            raise ValueError("OPENAI_BASE_URL and OPENAI_MODEL must be set for openai")
        self.base_url = str(base).rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.model = str(model)
        self.timeout = float(
            settings.get("OPENAI_TIMEOUT") or settings.get("FLOWISE_TIMEOUT") or 300
        )
        self.client = make_client(self.timeout, settings.get("OPENAI_API_KEY") or None)

    def provenance(self) -> dict[str, Any]:
        """Identify the server, the model and the prompt."""
        return {
            "provider": self.name,
            "model": self.model,
            "base_url": self.base_url,
            "prompt_version": PROMPT_VERSION,
        }

    def request_body(self, request: BatchRequest) -> dict[str, Any]:
        """Chat messages plus a strict schema whose root is {"personas": [...]}."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": build_prompt(request)},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "personas",
                    "strict": True,
                    "schema": persona_schema(request.bio_settings or {}),
                },
            },
            "stream": False,
        }
        if request.seed is not None:
            body["seed"] = request.seed % 2**31
        return body

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """One chat completion for one batch."""
        try:
            response = self.client.post(self.url, json=self.request_body(request))
        except httpx.HTTPError as exc:
            raise classify_transport(LABEL, self.url, exc, self.timeout) from exc
        if response.status_code >= 400:
            raise classify_response(LABEL, response, "check OPENAI_API_KEY")
        try:
            data = response.json()
            choice = data["choices"][0]
            message = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise ProviderError(
                f"{LABEL} sent an answer without choices: {response.text[:200]}",
                retryable=True,
                status_code=response.status_code,
            ) from None
        if message.get("refusal"):
            raise ProviderError(
                f"The model refused the request: {str(message['refusal'])[:300]}",
                retryable=False,
                status_code=response.status_code,
            )
        usage = data.get("usage") or {}
        tokens = usage.get("total_tokens")
        if tokens is None and usage:
            tokens = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
        truncated = choice.get("finish_reason") == "length"
        items, repaired = parse_items(message.get("content") or "")
        if not items and not truncated:
            raise ProviderError(
                f"{LABEL} answered without any personas: {str(message.get('content'))[:200]}",
                retryable=True,
                status_code=response.status_code,
            )
        return ProviderResponse(
            items=items,
            repaired=repaired,
            truncated=truncated,
            tokens=int(tokens) if tokens is not None else None,
            model=str(data.get("model") or self.model),
        )
