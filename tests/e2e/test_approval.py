"""Approval is the only way to X: approvers only, exactly once, failures shown with a retry."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlmodel import Session, col, select

from slackbridge.models import (
    AuditAction,
    AuditLog,
    Case,
    CaseStatus,
    Draft,
    DraftStatus,
    Tweet,
    TweetSource,
    utcnow,
)
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, OUTSIDER, Bridge, RunningBridge, wait_for


def _draft(
    bridge: Bridge, reply: str = "reply: Sorry about that! DM us and we'll fix it."
) -> tuple[dict, dict, str]:
    tweet_id = bridge.x.mention("jane", "@acme my parcel is late")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, reply)
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft message")
    return card, draft_msg, tweet_id


def _draft_row(bridge: Bridge) -> Draft:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Draft)).one()


def _audit(bridge: Bridge, action: AuditAction) -> list[AuditLog]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)))


def test_non_approver_is_told_why_and_nothing_is_posted(bridge: Bridge) -> None:
    _, draft_msg, _ = _draft(bridge)
    result = bridge.click(OUTSIDER, draft_msg, "draft_approve")
    assert result.status == 200
    [notice] = wait_for(lambda: bridge.slack.responses(), what="ephemeral notice")
    assert notice.body["response_type"] == "ephemeral"
    assert "Only approvers" in notice.body["text"]
    assert bridge.x.posted() == []
    assert _draft_row(bridge).status == DraftStatus.PENDING
    [denied] = _audit(bridge, AuditAction.APPROVAL_DENIED)
    assert denied.actor == OUTSIDER


def test_approval_posts_the_reply_on_x_and_the_thread_shows_who_and_where(bridge: Bridge) -> None:
    card, draft_msg, tweet_id = _draft(bridge)
    bridge.click(MANAGER, draft_msg, "draft_approve")

    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="sent")
    [posted] = bridge.x.posted()
    assert posted["text"] == "Sorry about that! DM us and we'll fix it."
    assert posted["in_reply_to_tweet_id"] == tweet_id

    draft = _draft_row(bridge)
    wait_for(lambda: "Sent on X" in message_text(bridge.current(draft_msg)), what="sent message")
    shown = message_text(bridge.current(draft_msg))
    assert f"written by <@{AGENT}>" in shown and f"approved by <@{MANAGER}>" in shown
    assert f"https://x.com/acme/status/{draft.sent_tweet_id}" in shown
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case)).one()
        assert case.status == CaseStatus.WAITING and case.first_response_at is not None
        ours = session.get(Tweet, draft.sent_tweet_id)
        assert ours is not None and ours.source == TweetSource.OURS
    wait_for(lambda: "waiting on the customer" in message_text(bridge.current(card)), what="card status")
    [sent] = _audit(bridge, AuditAction.DRAFT_SENT)
    assert sent.actor == MANAGER and f'"author": "{AGENT}"' in sent.detail


def test_member_of_an_approver_group_can_approve(bridge: Bridge) -> None:
    _, draft_msg, _ = _draft(bridge)
    bridge.click(LEAD, draft_msg, "draft_approve")
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="sent")
    assert len(bridge.x.posted()) == 1


def test_double_clicks_and_two_approvers_at_once_post_exactly_once(bridge: Bridge) -> None:
    _, draft_msg, _ = _draft(bridge)
    bridge.x.delay_next("/2/tweets", 0.5, method="POST")  # keep the first post in flight while others click
    results = []

    def click(user: str) -> None:
        results.append(bridge.click(user, draft_msg, "draft_approve"))

    threads = [threading.Thread(target=click, args=(u,)) for u in [MANAGER, LEAD] * 5]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == 200 for r in results)
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="sent")
    import time

    time.sleep(0.5)
    assert len(bridge.x.posted()) == 1
    assert len(_audit(bridge, AuditAction.DRAFT_SENT)) == 1


def test_x_refusing_the_reply_is_explained_without_a_retry_button(bridge: Bridge) -> None:
    bridge.x.add_tweet("stranger", "I love this brand's stuff")  # does not mention us
    tweet_id = bridge.x.add_tweet("stranger", "@acme ok here is a mention")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.x.fail_next(
        "/2/tweets",
        403,
        method="POST",
        body={
            "title": "Forbidden",
            "status": 403,
            "type": "about:blank",
            "detail": "Reply to this conversation is not allowed because you have not been mentioned "
            "or otherwise engaged by the author of the post you are replying to.",
        },
    )
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: thanks!")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: "Not posted" in message_text(bridge.current(draft_msg)), what="failure shown")
    shown = message_text(bridge.current(draft_msg))
    assert "Not posted" in shown and "X did not allow this reply" in shown
    # X's reply rule is final: a retry would be refused the same way, so only Edit and Discard are offered.
    buttons = [e.get("action_id") for b in bridge.current(draft_msg)["blocks"] for e in b.get("elements", [])]
    assert "draft_retry" not in buttons and {"draft_edit", "draft_discard"} <= set(buttons)
    assert bridge.x.posted() == []


def test_rate_limit_and_server_error_leave_the_draft_retryable(bridge: Bridge) -> None:
    _, draft_msg, _ = _draft(bridge)
    bridge.x.fail_next(
        "/2/tweets", 429, method="POST", headers={"x-rate-limit-reset": str(int(utcnow().timestamp()) + 600)}
    )
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: "Not posted" in message_text(bridge.current(draft_msg)), what="failure shown")
    assert "rate limit" in message_text(bridge.current(draft_msg))

    bridge.x.fail_next("/2/tweets", 503, method="POST")
    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: "did not confirm" in message_text(bridge.current(draft_msg)), what="5xx message")
    assert _draft_row(bridge).error_ambiguous

    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="sent")
    assert len(bridge.x.posted()) == 1


def test_a_post_that_reached_x_despite_an_error_is_not_posted_again(bridge: Bridge) -> None:
    _, draft_msg, _ = _draft(bridge)
    # X creates the post but answers 503: the retry must find it instead of posting a second one.
    bridge.x.fail_next("/2/tweets", 503, method="POST", process=True)
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: "Not posted" in message_text(bridge.current(draft_msg)), what="failure shown")
    assert len(bridge.x.posted()) == 1

    bridge.click(MANAGER, bridge.current(draft_msg), "draft_retry")
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="reconciled")
    assert len(bridge.x.posted()) == 1
    assert _draft_row(bridge).sent_tweet_id == bridge.x.posted()[0]["id"]
    assert _audit(bridge, AuditAction.DRAFT_RECONCILED)


def test_restart_never_reposts_and_settles_drafts_left_sending(service: RunningBridge) -> None:
    bridge = service.start()
    _, draft_msg, _ = _draft(bridge)
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: _draft_row(bridge).status == DraftStatus.SENT, what="sent")
    service.stop()

    bridge = service.start()  # same database, new process state
    bridge.click(MANAGER, draft_msg, "draft_approve")  # an old button clicked after the restart
    wait_for(lambda: bridge.slack.responses(), what="notice")
    assert "Already sent" in bridge.slack.responses()[-1].body["text"]
    assert len(bridge.x.posted()) == 1

    # A crash between the claim and X's answer leaves a draft in "sending": settled from X, never re-posted.
    bridge.driver.thread_message(CHANNEL, _case_thread(bridge), AGENT, "reply: one more thing")
    wait_for(lambda: len(_all_drafts(bridge)) == 2, what="second draft")
    second = _all_drafts(bridge)[1]
    with Session(bridge.services.deps.engine) as session:
        row = session.get(Draft, second.id)
        assert row is not None
        row.status, row.approver_id = DraftStatus.SENDING, MANAGER
        row.updated_at = row.first_attempt_at = utcnow() - timedelta(minutes=15)

        session.add(row)
        session.commit()
    assert bridge.services.approval.recover_stuck() == 1
    settled = _all_drafts(bridge)[1]
    assert settled.status == DraftStatus.FAILED and settled.error_ambiguous  # Retry checks X again first
    assert len(bridge.x.posted()) == 1


def _all_drafts(bridge: Bridge) -> list[Draft]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(Draft).order_by(col(Draft.id))))


def _case_thread(bridge: Bridge) -> str:
    with Session(bridge.services.deps.engine) as session:
        ts = session.exec(select(Case)).one().thread_ts
        assert ts
        return ts


def test_a_slow_render_of_an_older_state_never_overwrites_a_newer_one(bridge: Bridge) -> None:
    _, draft_msg, _ = _draft(bridge)
    wait_for(lambda: _draft_row(bridge).slack_ts, what="draft ts stored")
    draft_id = _draft_row(bridge).id
    assert draft_id is not None

    def set_status(status: DraftStatus, error: str | None = None) -> None:
        with Session(bridge.services.deps.engine) as session:
            row = session.get(Draft, draft_id)
            assert row is not None
            row.status, row.last_error, row.approver_id = status, error, MANAGER
            session.add(row)
            session.commit()

    # One thread renders "sending" and Slack is slow to take it; meanwhile the post fails and another
    # thread renders the failure. The message must end showing the failure, the newer state.
    set_status(DraftStatus.SENDING)
    bridge.slack.delay_next("chat.update", 0.5)
    slow = threading.Thread(target=bridge.services.drafts.refresh, args=(draft_id,))
    slow.start()
    time.sleep(0.1)
    set_status(DraftStatus.FAILED, "X had a server error (503).")
    bridge.services.drafts.refresh(draft_id)
    slow.join(5)
    assert "Not posted" in message_text(bridge.current(draft_msg))
