"""One answer per turn: a sent reply supersedes the turn's other drafts, from any process; a second reply
is sent only on purpose (Send as follow-up); a new customer post starts a new turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from slackbridge.db import make_engine, upgrade
from slackbridge.models import AuditAction, AuditLog, Draft, DraftStatus
from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, Bridge, RunningBridge, wait_for


def drafts(bridge: Bridge) -> list[Draft]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(Draft).order_by(Draft.id)))  # type: ignore[arg-type]


def status_of(bridge: Bridge, draft_id: int | None) -> str:
    return next(d.status for d in drafts(bridge) if d.id == draft_id)


def audits(bridge: Bridge, action: AuditAction) -> list[AuditLog]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)))


def case_with_drafts(bridge: Bridge, *writers: tuple[str, str]) -> tuple[dict, list[dict], str]:
    """A customer's post and one `reply:` draft per (writer, text), in that order."""
    tweet_id = bridge.x.mention("jane", "@acme my parcel is late")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    for n, (writer, text) in enumerate(writers, start=1):
        bridge.driver.thread_message(CHANNEL, card["ts"], writer, f"reply: {text}")
        wait_for(lambda n=n: len(bridge.drafts_in(card)) == n, what=f"draft {n}")  # type: ignore[misc]
    return card, bridge.drafts_in(card), tweet_id


def shows(bridge: Bridge, message: dict, words: str) -> bool:
    return words in message_text(bridge.current(message))


def has_button(bridge: Bridge, message: dict, action_id: str) -> bool:
    try:
        find_button(bridge.current(message), action_id)
    except LookupError:
        return False
    return True


def test_a_sent_reply_supersedes_the_other_draft_which_nobody_can_then_approve(bridge: Bridge) -> None:
    _, [first, second], _ = case_with_drafts(bridge, (AGENT, "Sorry! DM us."), (LEAD, "We're on it."))
    bridge.click(MANAGER, first, "draft_approve")
    wait_for(lambda: shows(bridge, second, "Superseded"), what="second draft superseded")
    assert not has_button(bridge, second, "draft_approve")
    assert has_button(bridge, second, "draft_follow_up")

    # The old Approve button of the superseded draft, clicked by two approvers: nothing more is posted.
    for approver in (MANAGER, LEAD):
        bridge.click(approver, second, "draft_approve")
    wait_for(lambda: len(bridge.slack.responses()) >= 2, what="refusals")
    time.sleep(0.3)
    assert [p["text"] for p in bridge.x.posted()] == ["Sorry! DM us."]
    assert status_of(bridge, drafts(bridge)[1].id) == DraftStatus.SUPERSEDED
    # The superseded draft's writer is told once, the sent draft's writer once, with the link.
    lead_dm = wait_for(lambda: bridge.slack.direct_messages(LEAD), what="notice to the second writer")
    assert len(lead_dm) == 1 and "was not sent" in message_text(lead_dm[0])
    [agent_dm] = wait_for(lambda: bridge.slack.direct_messages(AGENT), what="notice to the first writer")
    assert f"https://x.com/acme/status/{bridge.x.posted()[0]['id']}" in message_text(agent_dm)
    assert len(audits(bridge, AuditAction.DRAFT_SUPERSEDED)) == 1


def test_send_as_follow_up_reopens_a_superseded_draft_and_posts_it_once(bridge: Bridge) -> None:
    _, [first, second], tweet_id = case_with_drafts(
        bridge, (AGENT, "Sorry! DM us."), (AGENT, "Also: refund.")
    )
    bridge.click(MANAGER, first, "draft_approve")
    wait_for(lambda: shows(bridge, second, "Superseded"), what="superseded")

    bridge.click(AGENT, bridge.current(second), "draft_follow_up")  # writers may not: approvers only
    wait_for(lambda: bridge.slack.responses(), what="refusal")
    assert "Only approvers" in bridge.slack.responses()[-1].body["text"]
    assert shows(bridge, second, "Superseded")

    bridge.click(LEAD, bridge.current(second), "draft_follow_up")
    wait_for(lambda: shows(bridge, second, "This will be a second reply"), what="follow-up note")
    reopened = bridge.current(second)
    for _ in range(3):
        bridge.click(MANAGER, reopened, "draft_approve")
    wait_for(lambda: len(bridge.x.posted()) == 2, what="the follow-up posted")
    time.sleep(0.3)
    assert [p["text"] for p in bridge.x.posted()] == ["Sorry! DM us.", "Also: refund."]
    assert all(p["in_reply_to_tweet_id"] == tweet_id for p in bridge.x.posted())


def test_a_new_customer_post_starts_a_new_turn(bridge: Bridge) -> None:
    card, [first], root = case_with_drafts(bridge, (AGENT, "Sorry! DM us."))
    bridge.click(MANAGER, first, "draft_approve")
    wait_for(lambda: len(bridge.x.posted()) == 1, what="first reply")

    # Written after the turn was answered: a second reply, closed until someone re-opens it on purpose.
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: one more thing")
    late = wait_for(lambda: bridge.drafts_in(card)[1:], what="late draft")[0]
    wait_for(lambda: shows(bridge, late, "Superseded"), what="late draft closed")

    bridge.x.mention("jane", "@acme it still has not arrived", in_reply_to=root, conversation_id=root)
    bridge.poll()
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Checking with the courier now.")
    fresh = wait_for(lambda: bridge.drafts_in(card)[2:], what="new turn's draft")[0]
    wait_for(lambda: has_button(bridge, fresh, "draft_approve"), what="live draft")
    bridge.click(MANAGER, fresh, "draft_approve")
    wait_for(lambda: len(bridge.x.posted()) == 2, what="second turn's reply")
    assert bridge.x.posted()[1]["text"] == "Checking with the courier now."
    assert status_of(bridge, drafts(bridge)[1].id) == DraftStatus.SUPERSEDED


@pytest.fixture(params=["sqlite", "postgresql"])
def two_endpoints(
    request: pytest.FixtureRequest, fakes: tuple[FakeSlack, FakeX], db_url: str
) -> Iterator[tuple[Bridge, Bridge]]:
    """Two instances of the service, each behind its own HTTP endpoint, on one database."""
    url = db_url
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    one, two = RunningBridge(*fakes, url, {}), RunningBridge(*fakes, url, {})
    yield one.start(), two.start()
    one.stop()
    two.stop()


def test_concurrent_approvals_of_two_drafts_from_two_processes_post_one_reply(
    two_endpoints: tuple[Bridge, Bridge],
) -> None:
    web, worker = two_endpoints
    _, [first, second], _ = case_with_drafts(web, (AGENT, "Sorry! DM us."), (AGENT, "We're on it."))
    web.x.delay_next("/2/tweets", 0.4, method="POST")  # the first post is in flight while others click
    results: list[Any] = []

    def click(bridge: Bridge, user: str, message: dict) -> None:
        results.append(bridge.click(user, message, "draft_approve"))

    clicks = [(web, MANAGER, first), (worker, LEAD, second), (worker, MANAGER, first), (web, LEAD, second)]
    threads = [threading.Thread(target=click, args=c) for c in clicks * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == 200 for r in results)
    wait_for(lambda: any(d.status == DraftStatus.SENT for d in drafts(web)), what="one sent")
    wait_for(
        lambda: {d.status for d in drafts(web)} == {DraftStatus.SENT, DraftStatus.SUPERSEDED}, what="settled"
    )
    time.sleep(0.5)
    assert len(web.x.posted()) == 1
    assert len(audits(web, AuditAction.DRAFT_SENT)) == 1
