"""CSAT: one DM asking for a rating when a DM case is resolved, and the answer kept on the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from slackbridge.models import Case, CaseStatus, utcnow
from slackbridge.services.csat import QUESTION, csat_summary
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, Bridge, wait_for
from tests.e2e.dm_helpers import DM_CHANNEL, DM_ENV, allow_dms, dm_cards, poll_dms


@pytest.fixture
def env_extra(fakes: tuple[FakeSlack, FakeX]) -> dict[str, str]:
    allow_dms(*fakes)
    return {**DM_ENV, "SLACKBRIDGE_CSAT": "true"}


def _case(bridge: Bridge) -> Case:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Case)).one()


def test_resolving_a_dm_case_asks_once_and_records_the_answer(bridge: Bridge) -> None:
    bridge.x.send_dm("jane", "Thanks, it arrived!")
    poll_dms(bridge)
    [card] = dm_cards(bridge.slack)
    for _ in range(2):  # a double click resolves once, and asks once
        bridge.click(AGENT, card, "case_resolve", channel=DM_CHANNEL)
    wait_for(lambda: len(bridge.x.dms_sent()) == 1, what="CSAT question")
    assert bridge.x.dms_sent()[0]["text"] == QUESTION
    assert _case(bridge).status == CaseStatus.RESOLVED

    bridge.x.send_dm("jane", "4")
    poll_dms(bridge, now=utcnow() + timedelta(seconds=61))
    case = _case(bridge)
    assert case.csat_score == 4 and case.status == CaseStatus.RESOLVED  # a rating does not reopen it
    wait_for(
        lambda: "Customer rating: *4/5*" in message_text(bridge.current(card, DM_CHANNEL)), what="rating"
    )
    thread = [message_text(m) for m in bridge.slack.thread(DM_CHANNEL, card["ts"])]
    assert any("Sent by us" in t and "How happy are you" in t for t in thread)
    with Session(bridge.services.deps.engine) as session:
        assert csat_summary(
            session, since=utcnow() - timedelta(days=1), until=utcnow() + timedelta(days=1)
        ) == (
            4.0,
            1,
        )

    # Reopened by a new message and resolved again: never asked a second time.
    bridge.x.send_dm("jane", "One more thing")
    poll_dms(bridge, now=utcnow() + timedelta(seconds=130))
    assert _case(bridge).status == CaseStatus.OPEN
    bridge.click(AGENT, bridge.current(card, DM_CHANNEL), "case_resolve", channel=DM_CHANNEL)
    wait_for(lambda: _case(bridge).status == CaseStatus.RESOLVED, what="resolved again")
    assert len(bridge.x.dms_sent()) == 1


def test_stats_count_dm_cases_and_ratings_apart(bridge: Bridge) -> None:
    bridge.x.mention("bob", "@acme hello")
    bridge.poll()
    bridge.x.send_dm("jane", "Thanks, it arrived!")
    poll_dms(bridge)
    [card] = dm_cards(bridge.slack)
    bridge.click(AGENT, card, "case_resolve", channel=DM_CHANNEL)
    wait_for(lambda: len(bridge.x.dms_sent()) == 1, what="CSAT question")
    bridge.x.send_dm("jane", "5")
    poll_dms(bridge, now=utcnow() + timedelta(seconds=61))
    result = bridge.driver.command(AGENT, "/tweetcare", "stats", channel=DM_CHANNEL)
    [response] = wait_for(lambda: bridge.slack.responses(result.response_name), what="stats")
    shown = message_text(response.body)
    assert "1 new cases" in shown  # the public one
    assert "*Direct messages*: 1 new DM cases" in shown
    assert "Customer rating (CSAT)*: 5.0/5 from 1" in shown
