"""Approvers' other answers and who is told: four eyes, request changes, writers' notices (once each,
across processes) and the approval reminder (once per draft, after its delay, on a clock the test sets)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from slackbridge.app import build_services
from slackbridge.db import make_engine
from slackbridge.models import AuditAction, AuditLog, Draft, utcnow
from slackbridge.slack.ids import DRAFT_INPUT, REASON_INPUT, BlockId
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, Bridge, RunningBridge, wait_for
from tests.e2e.test_turns import case_with_drafts, has_button, shows


def denials(bridge: Bridge) -> list[AuditLog]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == AuditAction.APPROVAL_DENIED)))


def failures(bridge: Bridge) -> list[AuditLog]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == AuditAction.DRAFT_FAILED)))


def dms(bridge: Bridge, user: str) -> list[str]:
    return [message_text(m) for m in bridge.slack.direct_messages(user)]


@pytest.mark.parametrize("env_extra", [{"SLACKBRIDGE_FOUR_EYES": "true"}])
def test_four_eyes_refuses_the_writer_and_the_last_editor_and_another_approver_sends(bridge: Bridge) -> None:
    _, [draft], root = case_with_drafts(bridge, (MANAGER, "Sorry! DM us."))
    bridge.click(MANAGER, draft, "draft_approve")
    wait_for(lambda: bridge.slack.responses(), what="refusal")
    refusal = bridge.slack.responses()[-1].body
    assert refusal["response_type"] == "ephemeral" and "Four eyes" in refusal["text"]
    assert bridge.x.posted() == []
    assert '"four_eyes"' in denials(bridge)[-1].detail and denials(bridge)[-1].actor == MANAGER

    bridge.click(LEAD, bridge.current(draft), "draft_approve")  # another approver
    wait_for(lambda: shows(bridge, draft, "Sent on X"), what="sent")

    # The customer writes again; AGENT drafts, LEAD edits: LEAD edited it last, so MANAGER must approve.
    card = bridge.card_for(root)
    bridge.x.mention("jane", "@acme thanks, and the invoice?", in_reply_to=root, conversation_id=root)
    bridge.poll()
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Sent by email.")
    second = wait_for(lambda: bridge.drafts_in(card)[1:], what="second draft")[0]
    bridge.click(LEAD, second, "draft_edit")
    view = wait_for(lambda: bridge.slack.views_opened, what="edit modal")[-1]
    bridge.driver.submit_view(LEAD, view, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: "Sent by email, Jane."}})
    wait_for(lambda: shows(bridge, second, "edited by"), what="edited")
    bridge.click(LEAD, bridge.current(second), "draft_approve")
    wait_for(lambda: len(bridge.slack.responses()) == 2, what="second refusal")
    assert "Four eyes" in bridge.slack.responses()[-1].body["text"] and len(bridge.x.posted()) == 1
    bridge.click(MANAGER, bridge.current(second), "draft_approve")
    wait_for(lambda: shows(bridge, second, "Sent on X"), what="second sent")
    assert [p["text"] for p in bridge.x.posted()] == ["Sorry! DM us.", "Sent by email, Jane."]
    assert len(denials(bridge)) == 2


def test_four_eyes_is_off_by_default(bridge: Bridge) -> None:
    _, [draft], _ = case_with_drafts(bridge, (MANAGER, "Sorry! DM us."))
    bridge.click(MANAGER, draft, "draft_approve")
    wait_for(lambda: shows(bridge, draft, "Sent on X"), what="sent")


def test_request_changes_then_edit_then_approve_and_the_writer_is_told_once_each(
    service: RunningBridge, db_url: str
) -> None:
    bridge = service.start()
    _, [draft], _ = case_with_drafts(bridge, (AGENT, "Sorry! DM us."))
    bridge.click(AGENT, draft, "draft_request_changes")  # writers cannot send their own draft back
    wait_for(lambda: bridge.slack.responses(), what="refusal")
    assert "Only approvers" in bridge.slack.responses()[-1].body["text"]

    bridge.click(MANAGER, draft, "draft_request_changes")
    view = wait_for(lambda: bridge.slack.views_opened, what="reason modal")[-1]
    empty = bridge.driver.submit_view(MANAGER, view, {BlockId.CHANGES_REASON: {REASON_INPUT: " "}})
    assert empty.json()["response_action"] == "errors"
    bridge.driver.submit_view(
        MANAGER, view, {BlockId.CHANGES_REASON: {REASON_INPUT: "Offer the refund link"}}
    )
    wait_for(lambda: shows(bridge, draft, "Changes requested"), what="changes shown")
    assert "Offer the refund link" in message_text(bridge.current(draft))
    assert not has_button(bridge, draft, "draft_approve")
    [told] = wait_for(lambda: dms(bridge, AGENT), what="writer told")
    assert "needs changes" in told and "Offer the refund link" in told and f"<@{MANAGER}>" in told

    bridge.click(MANAGER, draft, "draft_approve")  # the old button: the draft is back with its writer
    wait_for(lambda: len(bridge.slack.responses()) == 2, what="stale approval refused")
    assert bridge.x.posted() == []

    bridge.click(AGENT, bridge.current(draft), "draft_edit")
    edit = wait_for(lambda: bridge.slack.views_opened[1:], what="edit modal")[-1]
    bridge.driver.submit_view(AGENT, edit, {BlockId.DRAFT_TEXT: {DRAFT_INPUT: "Refund: acme.example/r"}})
    wait_for(lambda: has_button(bridge, draft, "draft_approve"), what="back for approval")
    bridge.click(MANAGER, bridge.current(draft), "draft_approve")
    wait_for(lambda: len(dms(bridge, AGENT)) == 2, what="sent notice")
    assert f"https://x.com/acme/status/{bridge.x.posted()[0]['id']}" in dms(bridge, AGENT)[1]

    # Another process delivering owed notices, and a restart, tell nobody twice.
    build_services(bridge.settings, engine=make_engine(db_url)).notices.deliver()
    service.stop()
    service.start().services.notices.deliver()
    time.sleep(0.2)
    assert len(dms(bridge, AGENT)) == 2 and dms(bridge, MANAGER) == []


def test_a_failed_post_tells_the_writer_once(bridge: Bridge) -> None:
    _, [draft], _ = case_with_drafts(bridge, (AGENT, "Sorry! DM us."))
    for attempt in range(2):
        bridge.x.fail_next("/2/tweets", 429, method="POST")
        bridge.click(MANAGER, bridge.current(draft), "draft_retry" if attempt else "draft_approve")
        wait_for(lambda n=attempt + 1: len(failures(bridge)) == n, what="failed")  # type: ignore[misc]
        wait_for(lambda: has_button(bridge, draft, "draft_retry"), what="retry shown")
    time.sleep(0.3)
    [told] = wait_for(lambda: dms(bridge, AGENT), what="writer told")
    assert "was not posted on X" in told and "rate limit" in told


@pytest.mark.parametrize("env_extra", [{"SLACKBRIDGE_APPROVAL_REMINDER": "5m"}])
def test_the_approval_reminder_fires_once_after_its_delay(service: RunningBridge, db_url: str) -> None:
    bridge = service.start()
    card, _, _ = case_with_drafts(bridge, (AGENT, "Sorry! DM us."))
    other = build_services(bridge.settings, engine=make_engine(db_url))  # a second process

    def reminders() -> list[str]:
        return [message_text(m) for m in bridge.thread(card) if "waited" in message_text(m)]

    now = utcnow()
    assert bridge.services.reminders.sweep(now=now + timedelta(minutes=4)) == 0
    assert reminders() == []
    later = now + timedelta(minutes=6)
    assert bridge.services.reminders.sweep(now=later) + other.reminders.sweep(now=later) == 1
    [reminder] = wait_for(reminders, what="reminder in the thread")
    assert f"<@{MANAGER}>" in reminder and "<!subteam^S0LEADS>" in reminder and "#1" in reminder

    service.stop()
    bridge = service.start()  # survives a restart: never again for the same draft
    assert bridge.services.reminders.sweep(now=now + timedelta(hours=3)) == 0
    other.notices.deliver()
    time.sleep(0.2)
    assert len(reminders()) == 1
    with Session(bridge.services.deps.engine) as session:
        assert session.exec(select(Draft)).one().reminded_at is not None


@pytest.mark.parametrize("env_extra", [{"SLACKBRIDGE_APPROVAL_REMINDER": "0"}])
def test_no_reminders_when_turned_off(bridge: Bridge) -> None:
    card, _, _ = case_with_drafts(bridge, (AGENT, "Sorry! DM us."))
    bridge.runtime.add_default_pollers()
    assert "reminders" not in [p.name for p in bridge.runtime.pollers]
    assert bridge.services.reminders.sweep(now=utcnow() + timedelta(days=1)) == 0
    assert not [m for m in bridge.thread(card) if "waited" in message_text(m)]
