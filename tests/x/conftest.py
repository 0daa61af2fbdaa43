"""Fixtures for the X edge: a real FakeX over HTTP and a real XClient (tweepy + requests) pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slackbridge.testing.fake_x import FakeX
from slackbridge.x.client import XClient

# Distinctive values so a leak into a message or a log line is easy to spot.
SECRETS: dict[str, Any] = {
    "api_key": "KEY-0a1b2c3d4e5f-consumer",
    "api_secret": "SECRET-9f8e7d6c5b4a-consumer",
    "access_token": "TOKEN-1122334455-access",
    "access_token_secret": "SECRET-5566778899-access",
    "bearer_token": "BEARER-AAAAAAAAAAAAAAAAAAAA-app",
}


@pytest.fixture
def x_secrets() -> dict[str, Any]:
    return dict(SECRETS)


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX(brand_username="acme", **SECRETS) as fake:
        yield fake


@pytest.fixture
def x_client(fake_x: FakeX) -> XClient:
    return XClient(base_url=fake_x.url, timeout=(2.0, 5.0), **SECRETS)


@pytest.fixture
def user_only_client(fake_x: FakeX) -> XClient:
    """No bearer token configured: reads fall back to OAuth 1.0a user context."""
    creds = {k: v for k, v in SECRETS.items() if k != "bearer_token"}
    return XClient(base_url=fake_x.url, timeout=(2.0, 5.0), **creds)
