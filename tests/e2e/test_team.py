"""A team hands work over: ownership under concurrent clicks, who is writing, saved replies in the modal."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from slackbridge.models import AuditAction, AuditLog, Case, Draft, SavedReply, utcnow
from slackbridge.slack.ids import DRAFT_INPUT
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, OUTSIDER, Bridge, wait_for
from tests.e2e.test_tweetcare import ask


def _case(bridge: Bridge) -> Case:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Case)).one()


def _buttons(message: dict[str, Any]) -> set[str]:
    ids = set()
    for block in message.get("blocks", []):
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                ids.add(element["action_id"])
    return ids


def _picker_block(message: dict[str, Any]) -> str:
    return next(b["block_id"] for b in message["blocks"] if str(b.get("block_id", "")).startswith("owner:"))


def _notices(bridge: Bridge, results: list[Any]) -> list[str]:
    return [r.body["text"] for result in results for r in bridge.slack.responses(result.response_name)]


def _at_once(*calls: Any) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _audits(bridge: Bridge, action: AuditAction) -> list[AuditLog]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)))


def test_assign_take_over_hand_over_and_unassign_one_winner_each_time(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme my order is lost")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    assert {"case_assign"} <= _buttons(card) and "case_take_over" not in _buttons(card)
    bridge.click(AGENT, card, "case_assign")
    card = wait_for(
        lambda: f"assigned to <@{AGENT}>" in message_text(c := bridge.current(card)) and c, what="assigned"
    )
    assert {"case_take_over", "case_unassign"} <= _buttons(card) and "case_assign" not in _buttons(card)

    # Two people take over at once: one wins, the other is told who has it; the previous owner is told.
    results = _at_once(
        lambda: bridge.click(OUTSIDER, card, "case_take_over"),
        lambda: bridge.click(LEAD, card, "case_take_over"),
    )
    winner = wait_for(lambda: (o := _case(bridge).assignee_id) != AGENT and o, what="taken over")
    loser = LEAD if winner == OUTSIDER else OUTSIDER
    notices = wait_for(lambda: _notices(bridge, results) or None, what="the loser told")
    assert notices == [f"<@{winner}> already has case #1."]
    thread = wait_for(lambda: bridge.thread(card) or None, what="notice to the previous owner")
    assert [message_text(m) for m in thread] == [f"<@{AGENT}>: <@{winner}> took over case #1."]
    card = wait_for(
        lambda: f"assigned to <@{winner}>" in message_text(c := bridge.current(card)) and c, what="card"
    )

    # From the owner the card shows: the owner unassigns while an approver hands the case to the agent.
    block = _picker_block(card)
    assert block == f"owner:1:{winner}"
    results = _at_once(
        lambda: bridge.click(winner, card, "case_unassign"),
        lambda: bridge.driver.select_user(
            MANAGER, "case_assign_to", AGENT, channel=CHANNEL, message_ts=card["ts"], block_id=block
        ),
    )
    wait_for(lambda: _notices(bridge, results) or None, what="the second one told")
    final = _case(bridge).assignee_id
    assert final in (None, AGENT)
    shown = wait_for(
        lambda: ("assigned to" in message_text(c := bridge.current(card))) == (final is not None) and c,
        what="the card shows the owner",
    )
    assert ("case_assign" in _buttons(shown)) == (final is None)
    # A stale pick (from the owner shown before) changes nothing; one row per winning change.
    bridge.driver.select_user(
        LEAD, "case_assign_to", loser, channel=CHANNEL, message_ts=card["ts"], block_id=block
    )
    assert _case(bridge).assignee_id == final
    assert len(_audits(bridge, AuditAction.CASE_TAKEN_OVER)) == 1
    assert (
        len(_audits(bridge, AuditAction.CASE_ASSIGNED)) + len(_audits(bridge, AuditAction.CASE_UNASSIGNED))
        == 2
    )


def test_writing_note_shows_to_the_second_writer_and_expires(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme where is my parcel")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.click(AGENT, card, "case_write_reply")
    wait_for(lambda: f"<@{AGENT}> is writing" in message_text(bridge.current(card)), what="writing note")
    [first] = wait_for(lambda: bridge.slack.views_opened, what="first modal")
    assert "is writing" not in message_text(first)

    bridge.click(OUTSIDER, card, "case_write_reply")
    second = wait_for(lambda: bridge.slack.views_opened[1:], what="second modal")[0]
    assert f"<@{AGENT}> is writing a reply to this case" in message_text(second)
    assert f"<@{AGENT}> is writing" in message_text(bridge.current(card)), "the first writer's note stays"

    assert bridge.services.ownership.sweep_writing(now=utcnow() + timedelta(minutes=4)) == 0
    assert bridge.services.ownership.sweep_writing(now=utcnow() + timedelta(minutes=6)) == 1
    wait_for(lambda: "is writing" not in message_text(bridge.current(card)), what="the note gone")
    assert bridge.services.ownership.sweep_writing(now=utcnow() + timedelta(minutes=6)) == 0


def test_saved_replies_from_slack_fill_in_the_customer_and_are_checked(bridge: Bridge) -> None:
    assert "Only approvers" in message_text(ask(bridge, AGENT, 'saved add "Hi" Hello {name}'))
    added = message_text(
        ask(bridge, MANAGER, 'saved add "Lost parcel" Hi {name} (@{username}), we are on it.')
    )
    assert "Saved reply #1" in added
    long_text = "We are so sorry {name}. " + "x" * 250
    assert "Saved reply #2" in message_text(ask(bridge, MANAGER, f'saved add "Long" {long_text}'))
    assert "Not saved" in message_text(ask(bridge, MANAGER, 'saved add "Huge" ' + "y" * 300))
    listed = message_text(ask(bridge, OUTSIDER, "saved list"))
    assert "#1 Lost parcel" in listed and "#2 Long" in listed

    bridge.x.add_user("jane_doe", "Jane Doe-Fitzgerald-Montgomery-Smythe")
    tweet_id = bridge.x.mention("jane_doe", "@acme my parcel is lost")
    bridge.poll()
    bridge.click(AGENT, bridge.card_for(tweet_id), "case_write_reply")
    [view] = wait_for(lambda: bridge.slack.views_opened, what="modal")
    bridge.driver.select(AGENT, "draft_saved_reply", "1", container_type="view", view=view)
    [filled] = wait_for(lambda: bridge.slack.views_updated, what="filled modal")
    box = next(b for b in filled["blocks"] if b.get("block_id", "").startswith("draft_text"))
    text = box["element"]["initial_value"]
    assert text == "Hi Jane Doe-Fitzgerald-Montgomery-Smythe (@jane_doe), we are on it."
    ok = bridge.driver.submit_view(AGENT, filled, {box["block_id"]: {DRAFT_INPUT: text}})
    assert ok.status == 200 and not ok.body
    wait_for(lambda: bridge.drafts_in(bridge.card_for(tweet_id)), what="draft from the saved reply")

    bridge.driver.select(AGENT, "draft_saved_reply", "2", container_type="view", view=filled)
    too_long = wait_for(lambda: bridge.slack.views_updated[1:], what="second fill")[0]
    assert "characters as X counts them: shorten it" in message_text(too_long)
    box = next(b for b in too_long["blocks"] if b.get("block_id", "").startswith("draft_text"))
    refused = bridge.driver.submit_view(
        AGENT, too_long, {box["block_id"]: {DRAFT_INPUT: box["element"]["initial_value"]}}
    )
    assert (
        refused.json()["response_action"] == "errors"
        and "shorten it" in refused.json()["errors"][box["block_id"]]
    )
    with Session(bridge.services.deps.engine) as session:
        assert [d.text for d in session.exec(select(Draft))] == [text]

    assert "removed" in message_text(ask(bridge, MANAGER, "saved remove 2"))
    assert "#2 Long" not in message_text(ask(bridge, OUTSIDER, "saved list"))


def test_the_canned_replies_file_is_imported_once(bridge: Bridge) -> None:
    from slackbridge.ai.canned import CannedReply

    canned = [CannedReply("Opening hours", "We are open 9-5."), CannedReply("Refund", "Refunds take 5 days.")]
    assert bridge.services.saved.import_canned(canned) == 2
    assert bridge.services.saved.remove(2, user=MANAGER).endswith("removed.")
    assert bridge.services.saved.import_canned(canned) == 0, "a restart imports nothing new"
    with Session(bridge.services.deps.engine) as session:
        rows = session.exec(select(SavedReply).where(col(SavedReply.removed_at).is_(None))).all()
    assert [r.title for r in rows] == ["Opening hours"]
