"""Fixtures for the generation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standins.openai import OpenAIStandIn


@pytest.fixture
def openai_standin() -> Iterator[OpenAIStandIn]:
    """An OpenAI-compatible stand-in running as a real HTTP server on loopback."""
    standin = OpenAIStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()
