"""After an unconfirmed post, slackbridge finds the reply on X however the retry happens: never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from slackbridge.models import Draft, DraftStatus, utcnow
from slackbridge.slack.ids import DRAFT_INPUT, BlockId
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for


def _unconfirmed_draft(bridge: Bridge, text: str) -> dict:
    """A draft whose post X created but answered 503 for."""
    tweet_id = bridge.x.mention("jane", "@acme where is my parcel?")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, f"reply: {text}")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    bridge.x.fail_next("/2/tweets", 503, method="POST", process=True)
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: "did not confirm" in message_text(bridge.current(draft_msg)), what="unconfirmed")
    assert len(bridge.x.posted()) == 1
    return draft_msg


def _draft(bridge: Bridge) -> Draft:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Draft)).one()


def test_edit_and_discard_wait_until_x_was_checked(bridge: Bridge) -> None:
    draft_msg = _unconfirmed_draft(bridge, "Sorry Jane, checking now.")
    bridge.click(AGENT, draft_msg, "draft_discard")
    notice = wait_for(lambda: bridge.slack.responses(), what="refusal")
    assert "Press Retry first" in notice[-1].body["text"]

    bridge.click(AGENT, bridge.current(draft_msg), "draft_edit")
    [view] = wait_for(lambda: bridge.slack.views_opened, what="edit modal")
    bridge.driver.submit_view(AGENT, view, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: "Sorry! Please DM us."}})
    wait_for(
        lambda: any("Press Retry first" in e["text"] for e in bridge.slack.ephemerals(AGENT)), what="notice"
    )
    assert _draft(bridge).text == "Sorry Jane, checking now."

    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: _draft(bridge).status == DraftStatus.SENT, what="reconciled")
    assert len(bridge.x.posted()) == 1


def test_retry_long_after_the_first_attempt_still_finds_the_reply(bridge: Bridge) -> None:
    real_clock = bridge.x.clock
    bridge.x.clock = lambda: real_clock() - timedelta(minutes=30)  # X created the post half an hour ago
    draft_msg = _unconfirmed_draft(bridge, "On it, Jane.")
    bridge.x.clock = real_clock
    with Session(bridge.services.deps.engine) as session:
        row = session.exec(select(Draft)).one()
        row.first_attempt_at = utcnow() - timedelta(minutes=30)
        session.add(row)
        session.commit()

    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: _draft(bridge).status == DraftStatus.SENT, what="reconciled")
    assert len(bridge.x.posted()) == 1


def test_a_reply_with_a_link_is_found_although_x_returns_it_as_t_co(bridge: Bridge) -> None:
    bridge.x.shorten_links = True
    draft_msg = _unconfirmed_draft(bridge, "Track it here: https://help.acme.test/track?id=42")
    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: _draft(bridge).status == DraftStatus.SENT, what="reconciled")
    assert len(bridge.x.posted()) == 1
    assert _draft(bridge).sent_tweet_id == bridge.x.posted()[0]["id"]


def _killed_mid_post(bridge: Bridge, text: str, *, reached_x: bool, ago: timedelta) -> dict:
    """A draft whose approving process died while posting it, `ago` ago (it stays in 'sending')."""
    tweet_id = bridge.x.mention("jane", "@acme my order is late")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, f"reply: {text}")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    if reached_x:  # the dead process's post got through before it died
        bridge.services.deps.x.post_reply(text, tweet_id)
    with Session(bridge.services.deps.engine) as session:
        row = session.exec(select(Draft)).one()
        row.status, row.approver_id = DraftStatus.SENDING, MANAGER
        row.approved_at = row.first_attempt_at = row.updated_at = utcnow() - ago
        session.add(row)
        session.commit()
    return draft_msg


def test_a_draft_whose_sender_died_mid_post_is_settled_from_x_within_minutes(bridge: Bridge) -> None:
    """Not after 10 minutes: a live sender settles a draft within its X timeouts, so older means dead."""
    assert bridge.services.approval.stuck_after() < timedelta(minutes=2)
    _killed_mid_post(bridge, "Sorry Jane, it ships today.", reached_x=True, ago=timedelta(minutes=2))
    assert bridge.services.approval.recover_stuck() == 1
    assert _draft(bridge).status == DraftStatus.SENT
    assert len(bridge.x.posted()) == 1  # found on X, never posted again


def test_a_draft_whose_sender_died_before_x_got_it_offers_retry_and_posts_once(bridge: Bridge) -> None:
    draft_msg = _killed_mid_post(bridge, "Sorry Jane, checking.", reached_x=False, ago=timedelta(minutes=2))
    assert bridge.services.approval.recover_stuck() == 1
    assert _draft(bridge).status == DraftStatus.FAILED
    assert bridge.x.posted() == []
    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: _draft(bridge).status == DraftStatus.SENT, what="sent after retry")
    assert len(bridge.x.posted()) == 1


def test_a_draft_still_being_posted_is_left_alone(bridge: Bridge) -> None:
    _killed_mid_post(bridge, "One moment, Jane.", reached_x=False, ago=timedelta(seconds=5))
    assert bridge.services.approval.recover_stuck() == 0
    assert _draft(bridge).status == DraftStatus.SENDING


def _version(bridge: Bridge) -> int:
    return _draft(bridge).version


def test_the_same_click_handled_again_after_its_handler_died_finishes_the_post_once(bridge: Bridge) -> None:
    """The inbox hands a click whose handler died to another process: it finishes the post at once."""
    _killed_mid_post(bridge, "Sorry Jane, on its way.", reached_x=False, ago=timedelta(seconds=5))
    draft = _draft(bridge)
    assert draft.id is not None
    outcome = bridge.services.approval.approve(
        draft.id, user=MANAGER, expected_version=_version(bridge), redelivered=True
    )
    assert outcome.ok
    assert _draft(bridge).status == DraftStatus.SENT
    assert len(bridge.x.posted()) == 1


def test_a_click_handled_again_after_its_handler_posted_and_died_does_not_post_twice(bridge: Bridge) -> None:
    _killed_mid_post(bridge, "Sorry Jane, shipped.", reached_x=True, ago=timedelta(seconds=5))
    draft = _draft(bridge)
    assert draft.id is not None
    outcome = bridge.services.approval.approve(
        draft.id, user=MANAGER, expected_version=_version(bridge), redelivered=True
    )
    assert outcome.ok
    assert _draft(bridge).status == DraftStatus.SENT
    assert len(bridge.x.posted()) == 1  # found on X, not posted again


def test_a_new_click_on_a_draft_being_posted_is_refused(bridge: Bridge) -> None:
    _killed_mid_post(bridge, "One sec, Jane.", reached_x=False, ago=timedelta(seconds=5))
    draft = _draft(bridge)
    assert draft.id is not None
    outcome = bridge.services.approval.approve(draft.id, user=MANAGER, expected_version=_version(bridge))
    assert not outcome.ok and outcome.notice and "being posted" in outcome.notice
    assert bridge.x.posted() == []
