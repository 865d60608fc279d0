"""HTTP errors classified by cause, and Retry-After in both of its forms."""

from __future__ import annotations

import json

import httpx
import pytest

from avatar_data_generator.generation.http import classify_response, retry_after_seconds


def _response(status: int, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, text=body, headers=headers or {})


@pytest.mark.parametrize(
    ("status", "message", "retryable"),
    [
        (408, "Request Timeout", True),
        (429, "Too many requests", True),
        (502, "<html>Bad Gateway</html>", True),
        (503, "unavailable", True),
        (504, "<html>504 Gateway Time-out</html>", True),
        (500, "Error: Request timed out", True),
        (500, "Error: predictionsServices.buildChatflow - Unauthorized", False),
        (500, "Chatflow abc not found", False),
        (500, "Error: rate limit exceeded for the month", False),
        (400, "Invalid Chatflow ID", False),
        (401, "no key", False),
        (403, "forbidden", False),
        (404, "not found", False),
        (412, "precondition", False),
        (413, "too large", False),
    ],
)
def test_status_classification(status: int, message: str, retryable: bool) -> None:
    body = json.dumps({"statusCode": status, "success": False, "message": message})
    if message.startswith("<html>"):
        body = message
    error = classify_response("Flowise", _response(status, body))
    assert error.retryable is retryable and error.status_code == status
    assert f"HTTP {status}" in str(error)
    assert ("refused" in str(error)) is (not retryable)


def test_retry_after_forms() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
