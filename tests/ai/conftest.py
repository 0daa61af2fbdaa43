"""Fixtures for AI tests: a FakeOpenAI server over real HTTP and the real openai client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackbridge.ai.client import AIClient
from slackbridge.testing.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="sk-test-123456789") as server:
        yield server


@pytest.fixture
def ai(fake_openai: FakeOpenAI) -> AIClient:
    return AIClient("sk-test-123456789", base_url=fake_openai.base_url, model="fake-model", timeout=5.0)
