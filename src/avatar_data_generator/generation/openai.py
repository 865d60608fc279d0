"""The OpenAI-compatible provider: chat completions with a JSON schema (OpenAI, Ollama, vLLM)."""

from __future__ import annotations

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
from avatar_data_generator.generation.prompt import PROMPT_VERSION, build_prompt, persona_schema
from avatar_data_generator.generation.sanitize import clean_text, describe_answer

LABEL = "The OpenAI-compatible server"
SYSTEM = (
    "You write synthetic persona data for software testing. The people are fictional. "
    "Answer with JSON that matches the given schema, nothing else."
)


def usage_tokens(usage: Any) -> int | None:
    """Total tokens from an OpenAI `usage` object, if it holds whole numbers."""
    if not isinstance(usage, dict):
        return None
    total = usage.get("total_tokens")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return total
    parts = [usage.get("prompt_tokens"), usage.get("completion_tokens")]
    numbers = [p for p in parts if isinstance(p, int) and not isinstance(p, bool) and p >= 0]
    return sum(numbers) if numbers else None


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
        self.max_bytes = int(settings.get("PROVIDER_MAX_ANSWER_BYTES") or MAX_ANSWER_BYTES)
        self.client = make_client(self.timeout, settings.get("OPENAI_API_KEY") or None)

    def provenance(self) -> dict[str, Any]:
        """Identify the server, the model and the prompt."""
        return {
            "provider": self.name,
            "model": self.model,
            "base_url": public_url(self.base_url),
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
            raise classify_response(LABEL, response, "check OPENAI_API_KEY")
        data = decode_json(response)
        try:
            choice = data["choices"][0]
            message = choice.get("message") or {}
            if not isinstance(message, dict):
                raise TypeError
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ProviderError(
                f"{LABEL} sent an answer without choices: {describe_answer(data)}",
                retryable=True,
                status_code=response.status_code,
            ) from None
        if message.get("refusal"):
            raise ProviderError(
                f"The model refused the request: {clean_text(str(message['refusal']))[:300]}",
                retryable=False,
                status_code=response.status_code,
            )
        tokens = usage_tokens(data.get("usage"))
        truncated = choice.get("finish_reason") == "length" if isinstance(choice, dict) else False
        content = message.get("content")
        items, repaired = parse_items(content if isinstance(content, str | dict | list) else "")
        if not items and not truncated:
            raise ProviderError(
                f"{LABEL} answered without any personas: {describe_answer(content)}",
                retryable=True,
                status_code=response.status_code,
            )
        return ProviderResponse(
            items=items,
            repaired=repaired,
            truncated=truncated,
            tokens=tokens,
            model=str(data.get("model") or self.model),
        )
