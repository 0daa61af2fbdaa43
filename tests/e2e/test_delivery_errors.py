"""A post Slack refuses for its own reasons neither blocks the others nor gets lost."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from slackbridge.models import Case
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import CHANNEL, Bridge


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {"SLACKBRIDGE_CATEGORY_CHANNELS": "complaint=C0GONE"}


def test_an_unusable_routed_channel_falls_back_to_the_main_one(bridge: Bridge) -> None:
    bridge.slack.fail_next("chat.postMessage", error="is_archived")
    tweet_id = bridge.x.mention("jane", "@acme my order arrived broken, I want a refund")
    bridge.poll()
    assert tweet_id in message_text(bridge.card_for(tweet_id, CHANNEL))
    with Session(bridge.services.deps.engine) as session:
        assert session.exec(select(Case)).one().channel_id == CHANNEL


def test_one_refused_post_does_not_hold_back_the_next(bridge: Bridge) -> None:
    first = bridge.x.mention("ann", "@acme is the shop open today?")
    second = bridge.x.mention("ben", "@acme do you deliver on Sundays?")
    bridge.slack.fail_next("chat.postMessage", error="invalid_blocks")
    bridge.poll()
    shown = " ".join(message_text(c) for c in bridge.cards())
    assert second in shown and first not in shown
    bridge.poll()  # the refused one is tried again next round
    assert first in " ".join(message_text(c) for c in bridge.cards())
