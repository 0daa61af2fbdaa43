"""Slack allows about one message per second per channel: slackbridge paces itself and survives 429s."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import RunningBridge


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {"SLACKBRIDGE_POST_INTERVAL": "1"}


def test_paced_posting_stays_under_the_limit(service: RunningBridge) -> None:
    bridge = service.start()
    bridge.slack.rate_limit_per_channel(per_second=1.0, burst=1)
    for n in range(3):
        bridge.x.mention(f"fan{n}", f"@acme question {n}")
    bridge.poll()
    assert len(bridge.cards()) == 3
    assert len(bridge.slack.calls("chat.postMessage")) == 3, "no 429, so no retries were needed"


def test_a_429_is_waited_out_and_nothing_is_lost(service: RunningBridge) -> None:
    # Pacing off: Slack answers 429 + Retry-After and the client waits it out.
    service.env_extra["SLACKBRIDGE_POST_INTERVAL"] = "0"
    bridge = service.start()
    bridge.slack.rate_limit_per_channel(per_second=1.0, burst=1)
    for n in range(3):
        bridge.x.mention(f"fan{n}", f"@acme question {n}")
    bridge.poll()
    assert len(bridge.cards()) == 3
    assert len(bridge.slack.calls("chat.postMessage")) > 3, "some posts were refused with 429, then retried"
