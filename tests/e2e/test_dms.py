"""Direct messages as cases: carded once in the private DM channel, threads, ours shown as ours, links."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from slackbridge.models import Case, CaseSource, CaseStatus, Tweet, TweetSource
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import CHANNEL, Bridge
from tests.e2e.dm_helpers import DM_CHANNEL, DM_ENV, allow_dms, dm_cards, poll_dms, public_text


@pytest.fixture
def env_extra(fakes: tuple[FakeSlack, FakeX]) -> dict[str, str]:
    allow_dms(*fakes)
    return dict(DM_ENV)


def test_a_dm_becomes_one_card_and_the_next_goes_to_its_thread(bridge: Bridge) -> None:
    bridge.x.send_dm("jane", "My order 4471 never arrived, address is 1 Secret Lane")
    assert poll_dms(bridge) == 1
    [card] = dm_cards(bridge.slack)
    shown = message_text(card)
    assert "Direct message" in shown and "1 Secret Lane" in shown and "@jane" in shown
    assert "1 Secret Lane" not in card["text"]  # the notification preview never carries DM text

    bridge.x.send_dm("jane", "Any news on 4471?")
    bridge.x.brand_dm("jane", "Looking into it now")  # a colleague answered from X's app
    poll_dms(bridge, now=_later(bridge, 61))
    assert len(dm_cards(bridge.slack)) == 1
    thread = bridge.slack.thread(DM_CHANNEL, card["ts"])
    assert [("Sent by us" in message_text(m)) for m in thread] == [False, True]
    assert "Any news on 4471?" in message_text(thread[0])
    assert "Looking into it now" in message_text(thread[1])

    # Nothing twice: polling again stores nothing new; nothing in the public channel.
    assert poll_dms(bridge, now=_later(bridge, 200)) == 0
    assert len(bridge.slack.thread(DM_CHANNEL, card["ts"])) == 2
    assert bridge.slack.messages(CHANNEL) == []
    with Session(bridge.services.deps.engine) as session:
        [case] = session.exec(select(Case)).all()
        assert case.source == CaseSource.DM and case.channel_id == DM_CHANNEL
        assert case.status == CaseStatus.OPEN  # our own DM does not count as a customer message
        sources = sorted(str(t.source) for t in session.exec(select(Tweet)).all())
        assert sources == [TweetSource.DM, TweetSource.DM, TweetSource.DM_OURS]


def test_a_dm_from_a_customer_with_an_open_public_case_is_linked_without_its_text(bridge: Bridge) -> None:
    bridge.x.mention("jane", "@acme my parcel is late")
    bridge.poll()
    [public_card] = bridge.cards()
    bridge.x.send_dm("jane", "Here is my address: 1 Secret Lane")
    poll_dms(bridge)
    [dm_card] = dm_cards(bridge.slack)
    assert "Continues public case #1" in message_text(dm_card)
    [pointer] = bridge.slack.thread(CHANNEL, public_card["ts"])
    assert message_text(pointer) == f":lock: Continued in DM — see <#{DM_CHANNEL}>"
    assert "Secret Lane" not in public_text(bridge.slack)


def test_group_dms_are_shown_read_only(bridge: Bridge) -> None:
    bridge.x.group_dm("jane", ["bob"], "Both of us have the same problem", conversation_id="1555")
    poll_dms(bridge)
    [card] = dm_cards(bridge.slack)
    shown = message_text(card)
    assert "read-only" in shown and "Write a reply" not in shown


def _later(bridge: Bridge, seconds: float):  # noqa: ANN202
    from datetime import timedelta

    from slackbridge.models import utcnow

    return utcnow() + timedelta(seconds=seconds)
