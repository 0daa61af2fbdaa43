"""Assignment (one winner under concurrent clicks) and the App Home tab for agents and approvers."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Case, HomeViewer, utcnow
from slackbridge.testing.fake_slack import find_button, message_text
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, OUTSIDER, Bridge, RunningBridge, wait_for


def _home(bridge: Bridge, user: str, contains: str) -> dict[str, Any]:
    return wait_for(
        lambda: (v := bridge.slack.home_view(user)) is not None and contains in message_text(v) and v,
        what=f"home of {user} showing {contains!r}",
    )


def test_concurrent_claims_one_wins_the_other_is_told_who_has_it(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme my order is lost")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    results: list[Any] = []
    users = [AGENT, OUTSIDER, MANAGER, LEAD]
    threads = [
        threading.Thread(target=lambda u=u: results.append(bridge.click(u, card, "case_assign")))
        for u in users
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == 200 for r in results)

    def assignee() -> str | None:
        with Session(bridge.services.deps.engine) as session:
            return session.exec(select(Case)).one().assignee_id

    winner = wait_for(assignee, what="assignee")
    losers = [r for r in results if r.response_name and r is not None]
    notices = wait_for(
        lambda: (
            [n for r in losers for n in bridge.slack.responses(r.response_name)]
            if len([n for r in losers for n in bridge.slack.responses(r.response_name)]) == 3
            else None
        ),
        what="three 'already taken' notices",
    )
    assert all(f"<@{winner}> already has case #" in n.body["text"] for n in notices)
    with Session(bridge.services.deps.engine) as session:
        audits = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.CASE_ASSIGNED)).all()
    assert [a.actor for a in audits] == [winner]
    current = wait_for(
        lambda: f"assigned to <@{winner}>" in message_text(bridge.current(card)) and bridge.current(card),
        what="card shows the assignee",
    )
    with pytest.raises(LookupError):
        find_button(current, "case_assign")


def test_agent_home_shows_my_cases_oldest_unanswered_and_today_without_approvals(bridge: Bridge) -> None:
    first = bridge.x.mention("ann", "@acme the zip is broken")
    bridge.x.mention("bob", "@acme when do you open?")
    bridge.poll()
    bridge.driver.app_home_opened(AGENT)
    home = _home(bridge, AGENT, "Oldest unanswered (2)")
    text = message_text(home)
    assert "Nothing assigned to you" in text and "Waiting for your approval" not in text
    assert "2* new cases" in text and "X reads" in text and "of 500" in text
    assert text.index("the zip is broken") < text.index("when do you open?")

    bridge.click(AGENT, bridge.card_for(first), "case_assign")
    home = _home(bridge, AGENT, "on it: <@UAGENT>")  # refreshed after the assignment, without reopening
    assert "Nothing assigned to you" not in message_text(home)
    assert len(home["blocks"]) <= 100


def test_approver_home_lists_drafts_with_approve_buttons_and_refreshes_when_they_change(
    bridge: Bridge,
) -> None:
    tweet_id = bridge.x.mention("cy", "@acme refund please")
    bridge.poll()
    bridge.driver.app_home_opened(MANAGER)
    _home(bridge, MANAGER, "Waiting for your approval (0)")

    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Refund started, Cy!")
    home = _home(bridge, MANAGER, "Waiting for your approval (1)")
    assert "Refund started, Cy!" in message_text(home)
    button = find_button(home, "draft_approve")
    bridge.driver.click_home(MANAGER, "draft_approve", button["value"])
    wait_for(lambda: bridge.x.posted(), what="posted from the Home tab")
    _home(bridge, MANAGER, "Waiting for your approval (0)")
    assert "1* replies sent" in message_text(bridge.slack.home_view(MANAGER) or {})


def test_home_respects_the_100_block_limit_with_many_cases(bridge: Bridge) -> None:
    for n in range(40):
        bridge.x.mention(f"user{n}", f"@acme question {n}")
    bridge.poll()
    for message in bridge.cards()[:30]:
        bridge.click(AGENT, message, "case_assign")
    wait_for(lambda: len(bridge.services.lookups.mine(AGENT, limit=50)) == 30, what="assignments")
    result = bridge.driver.app_home_opened(AGENT)
    assert result.status == 200
    home = _home(bridge, AGENT, "Oldest unanswered (40)")
    assert len(home["blocks"]) <= 100


def test_a_refused_approval_from_the_home_tab_is_explained_there(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("cy", "@acme refund please")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.app_home_opened(MANAGER)
    _home(bridge, MANAGER, "Waiting for your approval (0)")
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Refund started, Cy!")
    home = _home(bridge, MANAGER, "Waiting for your approval (1)")
    button = find_button(home, "draft_approve")
    bridge.driver.click_home(MANAGER, "draft_approve", button["value"])
    wait_for(lambda: bridge.x.posted(), what="posted")
    _home(bridge, MANAGER, "Waiting for your approval (0)")  # the first click's own refresh is done
    bridge.driver.click_home(MANAGER, "draft_approve", button["value"])  # a stale second click
    _home(bridge, MANAGER, "Already sent on X")
    assert len(bridge.x.posted()) == 1


def test_a_home_tab_opened_before_a_restart_is_still_refreshed_after_it(
    service: RunningBridge, bridge: Bridge
) -> None:
    tweet_id = bridge.x.mention("dee", "@acme my parcel is late")
    bridge.poll()
    bridge.driver.app_home_opened(MANAGER)
    bridge.driver.app_home_opened(AGENT)
    _home(bridge, MANAGER, "Waiting for your approval (0)")
    _home(bridge, AGENT, "Nothing assigned to you")

    service.stop()
    restarted = service.start()  # a deploy: nobody reopens their tab
    card = restarted.card_for(tweet_id)
    restarted.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Sorry Dee, checking now.")
    _home(restarted, MANAGER, "Waiting for your approval (1)")
    restarted.click(AGENT, card, "case_assign")
    _home(restarted, AGENT, "on it: <@UAGENT>")


def test_a_tab_not_opened_for_a_month_is_not_refreshed(bridge: Bridge) -> None:
    for approver in (MANAGER, LEAD):
        bridge.driver.app_home_opened(approver)
        _home(bridge, approver, "Waiting for your approval (0)")
    with Session(bridge.services.deps.engine) as session:
        viewer = session.get(HomeViewer, MANAGER)
        assert viewer is not None
        viewer.opened_at = utcnow() - timedelta(days=31)
        session.add(viewer)
        session.commit()

    tweet_id = bridge.x.mention("eve", "@acme wrong size")
    bridge.poll()
    bridge.driver.thread_message(CHANNEL, bridge.card_for(tweet_id)["ts"], AGENT, "reply: Happy to swap it!")
    _home(bridge, LEAD, "Waiting for your approval (1)")  # the refresh ran for the recent viewer...
    time.sleep(0.3)
    # ...and skipped the one who has not looked for a month (their tab refreshes when they open it).
    assert "Waiting for your approval (0)" in message_text(bridge.slack.home_view(MANAGER) or {})
    bridge.driver.app_home_opened(MANAGER)
    _home(bridge, MANAGER, "Waiting for your approval (1)")
