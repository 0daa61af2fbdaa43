"""A post whose answer never came back (read timeout) is found on X on retry, never posted twice."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from slackbridge.models import Draft, DraftStatus
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {"SLACKBRIDGE_X_TIMEOUT": "1"}


def _status(bridge: Bridge) -> str:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Draft)).one().status


def test_timeout_after_x_received_the_post_then_retry(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme hello?")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Hi Jane, how can we help?")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")

    bridge.x.delay_next("/2/tweets", 2.5, method="POST", process=True)  # X posts it, answers too late
    click = bridge.click(MANAGER, draft_msg, "draft_approve")
    assert click.elapsed < 1.5, "the click is acknowledged before X is called"
    wait_for(lambda: "did not confirm" in message_text(bridge.current(draft_msg)), what="timeout shown")
    assert _status(bridge) == DraftStatus.FAILED
    wait_for(lambda: len(bridge.x.posted()) == 1, what="the post X made anyway")

    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: "Sent on X" in message_text(bridge.current(draft_msg)), what="reconciled as sent")
    assert len(bridge.x.posted()) == 1
