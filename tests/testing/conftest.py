"""Fixtures for the fake Slack and the driver: a started FakeSlack, a real WebClient, a served Bolt app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _bolt_harness import TOKEN, BoltHarness, serve_bolt
from slack_sdk import WebClient

from slackbridge.testing.fake_slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(TOKEN) as server:
        server.add_channel("C0TEST", "tweetcare")
        server.add_user("U0AGENT", "alice", "Alice Agent")
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url)


@pytest.fixture
def bolt(fake: FakeSlack) -> Iterator[BoltHarness]:
    with serve_bolt(fake) as harness:
        yield harness
