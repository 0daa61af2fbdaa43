"""Triage rules may route by channel name (`#billing`) as well as ID: names resolve at start-up, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackbridge.config import ConfigError
from tests.e2e.conftest import CHANNEL, Bridge, RunningBridge

BILLING = "C0BILLING"
RULES = """
rules:
  - name: refunds
    keywords: [refund]
    category: complaint
    channel: "#billing"
  - name: escalations
    keywords: [lawyer]
    category: complaint
    channel: C0ESCAL
"""


@pytest.fixture
def env_extra(tmp_path: Path) -> dict[str, str]:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    return {"SLACKBRIDGE_TRIAGE_RULES": str(rules)}


def test_a_rule_naming_a_channel_routes_to_it(service: RunningBridge) -> None:
    service.slack.add_channel(BILLING, "billing")
    service.slack.add_channel("C0ESCAL", "escalations")
    bridge: Bridge = service.start()
    tweet_id = bridge.x.mention("jane", "@acme I want a refund")
    bridge.poll()
    bridge.card_for(tweet_id, channel=BILLING)
    assert bridge.cards(CHANNEL) == []


def test_an_unknown_channel_name_stops_start_up_in_one_line(service: RunningBridge) -> None:
    service.slack.add_channel("C0OTHER", "billing-old")
    with pytest.raises(ConfigError) as raised:
        service.start()
    message = str(raised.value)
    assert "\n" not in message
    assert (
        "SLACKBRIDGE_TRIAGE_RULES rule 'refunds' routes to #billing, a channel the bot cannot see" in message
    )
