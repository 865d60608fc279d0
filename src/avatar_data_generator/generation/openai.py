"""The OpenAI-compatible provider: chat completions with a JSON schema (OpenAI, Ollama, vLLM)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from avatar_data_generator.generation.base import BatchRequest, ProviderError, ProviderResponse
from avatar_data_generator.generation.http import decode_json, public_url
from avatar_data_generator.generation.parse import parse_items
from avatar_data_generator.generation.population import PersonFacts
from avatar_data_generator.generation.prompt import (
    GROUNDED_PROMPT_VERSION,
    PROMPT_VERSION,
    build_grounded_prompt,
    build_prompt,
    grounded_schema,
    persona_schema,
)
from avatar_data_generator.generation.remote import RemoteProvider
from avatar_data_generator.generation.sanitize import clean_text

#: Characters kept of the model name a server reports.
MAX_MODEL_NAME = 200

SYSTEM = (
    "You write synthetic persona data for software testing. The people are fictional. "
    "Answer with JSON that matches the given schema, nothing else."
)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def usage_tokens(usage: Any) -> tuple[int | None, int | None, int | None]:
    """Prompt, completion and total tokens from an OpenAI `usage` object (None if absent)."""
    if not isinstance(usage, dict):
        return None, None, None
    prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
    total = _count(usage.get("total_tokens"))
    if total is None and (prompt is not None or completion is not None):
        total = (prompt or 0) + (completion or 0)
    return prompt, completion, total


class OpenAIProvider(RemoteProvider):
    """POST {OPENAI_BASE_URL}/chat/completions with response_format json_schema."""

    name = "openai"
    label = "The OpenAI-compatible server"
    key_hint = "check OPENAI_API_KEY"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.base_url = str(settings["OPENAI_BASE_URL"]).rstrip("/")
        self.model = str(settings["OPENAI_MODEL"])
        super().__init__(
            f"{self.base_url}/chat/completions",
            float(settings.get("OPENAI_TIMEOUT") or settings.get("FLOWISE_TIMEOUT") or 300),
            settings.get("OPENAI_API_KEY") or None,
            settings,
        )

    def probe_url(self) -> str:
        """Where a probe asks whether the server answers again."""
        return f"{self.base_url}/models"

    def provenance(self) -> dict[str, Any]:
        """Identify the server, the model and the prompt."""
        return {
            "provider": self.name,
            "model": self.model,
            "base_url": public_url(self.base_url),
            "prompt_version": PROMPT_VERSION,
            "grounded_prompt_version": GROUNDED_PROMPT_VERSION,
        }

    def request_body(
        self, request: BatchRequest, people: list[PersonFacts] | None = None
    ) -> dict[str, Any]:
        """Chat messages plus a strict schema whose root is {"personas": [...]}: full personas
        in `model` mode, bios and a personality per reference in `sampled` mode."""
        settings = request.bio_settings or {}
        if people is None:
            prompt, schema = build_prompt(request), persona_schema(settings)
        else:
            prompt, schema = build_grounded_prompt(request, people), grounded_schema(settings)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "personas", "strict": True, "schema": schema},
            },
            "stream": False,
        }
        if request.seed is not None:
            body["seed"] = request.seed % 2**31
        return body

    def generate(self, request: BatchRequest) -> ProviderResponse:
        """One chat completion for one batch."""
        people = self.people_of(request)
        response = self.post(self.request_body(request, people))
        data = decode_json(response)
        try:
            choice = data["choices"][0]
            message = choice.get("message") or {}
            if not isinstance(message, dict):
                raise TypeError
        except (KeyError, IndexError, TypeError, AttributeError):
            raise self.no_personas(data, response.status_code, "choices") from None
        if message.get("refusal"):
            raise ProviderError(
                f"The model refused the request: {clean_text(str(message['refusal']))[:300]}",
                retryable=False,
                status_code=response.status_code,
            )
        truncated = choice.get("finish_reason") == "length"
        content = message.get("content")
        tokens_in, tokens_out, tokens = usage_tokens(data.get("usage"))
        items, repaired = parse_items(content if isinstance(content, str | dict | list) else "")
        overridden = unmatched = 0
        if items or not truncated:
            items, overridden, unmatched = self.answered(
                people, items, response.status_code, repaired, content
            )
        return ProviderResponse(
            items=items,
            repaired=repaired,
            truncated=truncated,
            tokens=tokens,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            # The server's word, stored in the quality report: cleaned (jsonb refuses NUL) and cut.
            model=clean_text(str(data.get("model") or self.model))[:MAX_MODEL_NAME],
            facts_overridden=overridden,
            answers_unmatched=unmatched,
        )
