"""Direct messages as cases: carded once in the private DM channel, threads, ours shown as ours, links."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from slackbridge.models import (
    Case,
    CaseSource,
    CaseStatus,
    Draft,
    DraftStatus,
    Tweet,
    TweetSource,
    utcnow,
)
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, OUTSIDER, Bridge, RunningBridge, wait_for
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


def _later(bridge: Bridge, seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def _dm_draft(
    bridge: Bridge, text: str = "reply: Sorry Jane! A new parcel leaves today."
) -> tuple[dict, dict]:
    bridge.x.send_dm("jane", "My order 4471 never arrived")
    poll_dms(bridge)
    [card] = dm_cards(bridge.slack)
    bridge.driver.thread_message(DM_CHANNEL, card["ts"], AGENT, text)
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card, DM_CHANNEL), what="draft message")
    return card, draft_msg


def _draft_row(bridge: Bridge) -> Draft:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Draft)).one()


def test_an_approved_dm_reply_is_sent_exactly_once_despite_double_clicks(bridge: Bridge) -> None:
    card, draft_msg = _dm_draft(bridge)
    bridge.click(OUTSIDER, draft_msg, "draft_approve", channel=DM_CHANNEL)
    time.sleep(0.3)
    assert bridge.x.dms_sent() == []  # a non-approver sends nothing

    threads = [
        threading.Thread(
            target=bridge.click, args=(MANAGER, draft_msg, "draft_approve"), kwargs={"channel": DM_CHANNEL}
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="sent")
    [sent] = bridge.x.dms_sent()
    assert sent["text"] == "Sorry Jane! A new parcel leaves today."
    jane = bridge.x.user("jane")
    assert jane is not None and sent["to"] == [jane["id"]]
    wait_for(lambda: "Sent by DM" in message_text(bridge.current(draft_msg, DM_CHANNEL)), what="sent shown")
    # The poller sees our DM later: it is not shown a second time, nor sent again.
    poll_dms(bridge, now=utcnow() + timedelta(seconds=61))
    assert len(bridge.x.dms_sent()) == 1
    assert [m for m in bridge.slack.thread(DM_CHANNEL, card["ts"]) if "Sent by us" in message_text(m)] == []
    assert "never arrived" not in public_text(bridge.slack)


def test_an_unconfirmed_dm_is_found_on_x_after_a_restart_not_sent_again(service: RunningBridge) -> None:
    bridge = service.start()
    _, draft_msg = _dm_draft(bridge)
    bridge.x.fail_next("/2/dm_conversations/with/", 503, method="POST", process=True)
    bridge.click(MANAGER, draft_msg, "draft_approve", channel=DM_CHANNEL)
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.FAILED, what="failed")
    assert "did not confirm the DM" in (_draft_row(bridge).last_error or "")
    service.stop()

    bridge = service.start()
    bridge.click(MANAGER, bridge.current(draft_msg, DM_CHANNEL), "draft_retry", channel=DM_CHANNEL)
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="reconciled")
    assert len(bridge.x.dms_sent()) == 1


def test_a_customer_who_does_not_accept_dms_is_explained_without_a_retry(bridge: Bridge) -> None:
    _, draft_msg = _dm_draft(bridge)
    bridge.x.close_dms("jane")
    bridge.click(MANAGER, draft_msg, "draft_approve", channel=DM_CHANNEL)
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.FAILED, what="failed")
    shown = wait_for(
        lambda: "Not posted" in (text := message_text(bridge.current(draft_msg, DM_CHANNEL))) and text,
        what="failure shown",
    )
    assert "does not accept direct messages" in shown
    assert "Retry" not in shown
    assert bridge.x.dms_sent() == []


def test_a_token_without_dm_permission_says_how_to_fix_it(bridge: Bridge) -> None:
    _, draft_msg = _dm_draft(bridge)
    bridge.x.access_level = "read-write"
    bridge.click(MANAGER, draft_msg, "draft_approve", channel=DM_CHANNEL)
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.FAILED, what="failed")
    assert "Read, write and Direct Messages" in (_draft_row(bridge).last_error or "")
    assert "regenerate the access token" in (_draft_row(bridge).last_error or "")


def _ask(bridge: Bridge, user: str, text: str) -> str:
    result = bridge.driver.command(user, "/tweetcare", text, channel=CHANNEL)
    [response] = wait_for(lambda: bridge.slack.responses(result.response_name), what=f"answer to {text!r}")
    return message_text(response.body)


def test_dm_text_stays_out_of_lookups_search_and_home_tabs(bridge: Bridge) -> None:
    bridge.x.mention("jane", "@acme my parcel is late")
    bridge.poll()
    _dm_draft(bridge, "reply: Confirm your postcode QX9 please")
    bridge.x.send_dm("jane", "Secret Lane 1, postcode QX9")
    poll_dms(bridge, now=utcnow() + timedelta(seconds=61))

    outsider = _ask(bridge, OUTSIDER, "user @jane")
    member = _ask(bridge, AGENT, "user @jane")
    assert "1 case" in outsider or "parcel is late" in outsider
    assert "direct message" not in outsider
    assert "direct message" in member  # listed to people in the DM channel, without its text
    for answer in (
        outsider,
        member,
        _ask(bridge, AGENT, "search postcode"),
        _ask(bridge, MANAGER, "pending"),
    ):
        assert "QX9" not in answer and "Secret Lane" not in answer and "never arrived" not in answer

    for user in (OUTSIDER, MANAGER):
        bridge.driver.app_home_opened(user)
        home = wait_for(lambda u=user: bridge.slack.home_view(u), what="home tab")  # type: ignore[misc]
        shown = message_text(home)
        assert "QX9" not in shown and "Secret Lane" not in shown and "never arrived" not in shown
    assert "never arrived" not in public_text(bridge.slack) and "QX9" not in public_text(bridge.slack)
