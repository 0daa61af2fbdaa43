"""Drafts in the thread: `reply:` messages, the modal, the length check, edit and discard."""

from __future__ import annotations

import json
import time

from sqlmodel import Session, col, select

from slackbridge.models import AuditAction, AuditLog, Case, Draft, DraftStatus
from slackbridge.slack.ids import DRAFT_INPUT, BlockId
from slackbridge.testing.fake_slack import find_button, message_text
from tests.e2e.conftest import AGENT, CHANNEL, Bridge, wait_for


def _card(bridge: Bridge, text: str = "@acme my parcel is late") -> dict:
    bridge.x.mention("jane", text)
    bridge.poll()
    return bridge.cards()[-1]


def _drafts(bridge: Bridge) -> list[Draft]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(Draft).order_by(col(Draft.id))))


def test_reply_message_in_thread_becomes_a_draft_with_length_author_and_buttons(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(
        CHANNEL, card["ts"], AGENT, "reply: Sorry Jane! Could you DM us your order number?"
    )

    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft message")
    text = message_text(draft_msg)
    assert "Sorry Jane! Could you DM us your order number?" in text
    assert "46/280" in text
    assert f"<@{AGENT}>" in text
    for action in ("draft_approve", "draft_edit", "draft_discard"):
        assert find_button(draft_msg, action)
    assert find_button(draft_msg, "draft_approve").get("confirm"), "approve & send asks for confirmation"


def test_thread_discussion_without_reply_prefix_stays_internal(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "I think this customer wrote before, checking")
    bridge.driver.thread_message(CHANNEL, card["ts"], "UBOT", "reply: from a bot", bot_id="B0OTHER")
    import time

    time.sleep(0.5)
    assert _drafts(bridge) == []
    assert bridge.drafts_in(card) == []


def test_slack_formatting_is_turned_back_into_plain_text(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(
        CHANNEL,
        card["ts"],
        AGENT,
        "reply: Tom &amp; <@UMANAGER> can help: see <https://help.acme.test/late|our guide> &lt;3",
    )
    wait_for(lambda: _drafts(bridge), what="draft")
    assert _drafts(bridge)[0].text == "Tom & maria can help: see https://help.acme.test/late <3"


def test_overlong_and_empty_drafts_are_refused_with_the_count(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: " + "🙂" * 141)  # emoji count 2: 282
    notice = wait_for(lambda: bridge.slack.ephemerals(AGENT), what="ephemeral")
    assert "282/280" in notice[0]["text"] and "shorten it by 2" in notice[0]["text"]

    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply:   ")
    wait_for(lambda: len(bridge.slack.ephemerals(AGENT)) == 2, what="second ephemeral")
    assert "empty" in bridge.slack.ephemerals(AGENT)[1]["text"]
    assert _drafts(bridge) == []
    with Session(bridge.services.deps.engine) as session:
        rejected = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.DRAFT_REJECTED)).all()
    assert len(rejected) == 2


def test_url_counts_23_and_cjk_counts_double(bridge: Bridge) -> None:
    card = _card(bridge)
    url = "https://example.com/" + "a" * 200
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, f"reply: details: {url}")
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: " + "日" * 140)
    wait_for(lambda: len(_drafts(bridge)) == 2, what="two drafts")
    lengths = sorted(d.length for d in _drafts(bridge))
    assert lengths == [len("details: ") + 23, 280]


def test_retried_event_does_not_create_a_second_draft(bridge: Bridge) -> None:
    card = _card(bridge)
    ts = bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Thanks for waiting!")
    wait_for(lambda: _drafts(bridge), what="draft")
    event = {
        "type": "message",
        "channel": CHANNEL,
        "user": AGENT,
        "text": "reply: Thanks for waiting!",
        "ts": ts,
        "thread_ts": card["ts"],
        "channel_type": "channel",
    }
    result = bridge.driver.event(event, retry_num=1, retry_reason="http_timeout")
    assert result.status == 200
    import time

    time.sleep(0.5)
    assert len(_drafts(bridge)) == 1
    assert len(bridge.drafts_in(card)) == 1


def test_write_reply_button_opens_a_modal_and_its_submission_becomes_a_draft(bridge: Bridge) -> None:
    card = _card(bridge)
    result = bridge.click(AGENT, card, "case_write_reply")
    assert result.status == 200
    [view] = wait_for(lambda: bridge.slack.views_opened, what="modal")
    assert "my parcel is late" in message_text(view)

    long = bridge.driver.submit_view(AGENT, view, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: "x" * 300}})
    assert long.json()["response_action"] == "errors"
    assert "300/280" in long.json()["errors"][BlockId.DRAFT_TEXT]

    ok = bridge.driver.submit_view(AGENT, view, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: "We're on it, Jane."}})
    assert ok.status == 200 and not ok.body
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft message")
    assert "We're on it, Jane." in message_text(draft_msg)


def test_edit_changes_the_text_and_resets_approval_discard_stops_it(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: first version")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    bridge.click(AGENT, draft_msg, "draft_edit")
    [view] = wait_for(lambda: bridge.slack.views_opened, what="edit modal")
    assert "first version" in str(view)
    bridge.driver.submit_view("UMANAGER", view, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: "second version"}})
    wait_for(lambda: "second version" in message_text(bridge.current(draft_msg)), what="edited message")
    [draft] = _drafts(bridge)
    assert draft.version == 2 and draft.edited_by == "UMANAGER" and draft.approver_id is None

    # An approve click from the old message (version 1) must not send the new text unseen.
    bridge.click("UMANAGER", draft_msg, "draft_approve")
    wait_for(lambda: bridge.slack.responses(), what="stale notice")
    assert "edited" in bridge.slack.responses()[-1].body["text"]
    assert bridge.x.posted() == []

    bridge.click(AGENT, bridge.current(draft_msg), "draft_discard")
    wait_for(lambda: "Discarded" in message_text(bridge.current(draft_msg)), what="discarded shown")
    assert _drafts(bridge)[0].status == DraftStatus.DISCARDED


def test_a_reply_typed_before_the_new_cards_ts_is_stored_still_becomes_a_draft(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("quick", "@acme is the shop open today?")
    bridge.poll()
    card = bridge.card_for(tweet_id)

    def card_stored(stored: bool) -> None:
        """The card's ts and its audit row are saved in one transaction, just after Slack answers."""
        with Session(bridge.services.deps.engine) as session:
            case = session.exec(select(Case)).one()
            carded = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.CASE_CARDED)).one()
            case.thread_ts = card["ts"] if stored else None
            carded.detail = json.dumps({"channel": CHANNEL, "ts": card["ts"]}) if stored else "{}"
            session.add_all([case, carded])
            session.commit()

    card_stored(False)  # the moment between Slack's answer and the save
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Yes, until 8pm!")
    time.sleep(1.0)
    card_stored(True)
    [draft] = wait_for(lambda: bridge.drafts_in(card), what="the draft, not dropped")
    assert "Yes, until 8pm!" in message_text(draft)
