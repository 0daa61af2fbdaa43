"""The Slack inbox: what Slack was told we received is stored first, handled once, and never silently lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from sqlmodel import Session, select

from slackbridge.db import make_engine, upgrade
from slackbridge.models import Draft, InboxStatus, SlackInbox
from slackbridge.services.inbox import NOT_DONE_CLICK, NOT_DONE_REPLY
from slackbridge.slack.ids import ActionId
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, RunningBridge, wait_for


def _card(bridge: Bridge) -> dict[str, Any]:
    bridge.x.mention("jane", "@acme my parcel is lost")
    bridge.poll()
    return bridge.cards()[0]


def _inbox(bridge: Bridge) -> list[SlackInbox]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(SlackInbox).order_by(SlackInbox.id)).all())  # type: ignore[arg-type]


def _drafts(bridge: Bridge) -> list[Draft]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(Draft)).all())


def test_a_reply_is_stored_acknowledged_and_handled_from_the_store(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: We're on it, Jane.")
    assert bridge.driver.last_result is not None and bridge.driver.last_result.status == 200

    [draft] = wait_for(lambda: bridge.drafts_in(card), what="draft in the thread")
    assert "We're on it, Jane." in message_text(draft)
    [row] = wait_for(lambda: [r for r in _inbox(bridge) if r.status == InboxStatus.DONE], what="row done")
    assert row.kind == "event" and row.key.startswith("event:Ev") and row.attempts == 1


def test_slack_retries_of_an_event_are_acknowledged_and_have_one_effect(bridge: Bridge) -> None:
    card = _card(bridge)
    ts = bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: once", event_id="EvRETRY1")
    for attempt in (1, 2, 3):
        bridge.driver.thread_message(
            CHANNEL, card["ts"], AGENT, "reply: once", ts=ts, event_id="EvRETRY1", retry_num=attempt
        )
        assert bridge.driver.last_result is not None and bridge.driver.last_result.status == 200
    wait_for(lambda: bridge.drafts_in(card), what="draft")
    time.sleep(0.5)  # any second handling would have shown by now
    assert len(bridge.drafts_in(card)) == 1
    assert len(_drafts(bridge)) == 1
    assert len(_inbox(bridge)) == 1
    assert bridge.slack.ephemerals(AGENT) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def two_processes(
    request: pytest.FixtureRequest, fakes: tuple[FakeSlack, FakeX], db_url: str
) -> Iterator[tuple[Bridge, Bridge]]:
    url = db_url
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        upgrade(make_engine(url))
    first, second = RunningBridge(*fakes, url, {}), RunningBridge(*fakes, url, {})
    try:
        yield first.start(), second.start()
    finally:
        first.stop()
        second.stop()


def test_the_same_event_sent_to_two_processes_at_once_makes_one_draft_and_no_false_notice(
    two_processes: tuple[Bridge, Bridge],
) -> None:
    one, two = two_processes
    card = _card(one)
    for round_ in range(5):  # several rounds: the race must never produce a second draft or a notice
        ts = one.slack.next_ts()
        barrier = threading.Barrier(2)
        text, event_id = f"reply: round {round_}", f"EvTWICE{round_}"

        def send(bridge: Bridge, ts: str, text: str, event_id: str, barrier: threading.Barrier) -> None:
            barrier.wait()
            bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, text, ts=ts, event_id=event_id)

        threads = [threading.Thread(target=send, args=(b, ts, text, event_id, barrier)) for b in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert one.driver.last_result is not None and one.driver.last_result.status == 200
        assert two.driver.last_result is not None and two.driver.last_result.status == 200
        shown = text.removeprefix("reply: ")
        wait_for(lambda: any(shown in message_text(m) for m in one.drafts_in(card)), what=shown)  # noqa: B023
    time.sleep(0.5)
    texts = [message_text(m) for m in one.drafts_in(card)]
    assert [sum(f"round {r}" in t for t in texts) for r in range(5)] == [1] * 5
    assert len(_drafts(one)) == 5
    assert one.slack.ephemerals(AGENT) == [], "nobody may be told a saved draft was not saved"


def test_a_request_that_keeps_failing_is_marked_failed_and_the_writer_is_told(bridge: Bridge) -> None:
    card = _card(bridge)
    with bridge.services.deps.engine.begin() as conn:  # the store breaks under the listener
        conn.execute(sa.text("ALTER TABLE draft RENAME TO draft_away"))
    try:
        bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: this will not be saved")
        assert bridge.driver.last_result is not None and bridge.driver.last_result.status == 200

        def failed() -> list[SlackInbox]:
            assert bridge.process is not None  # the sweep is what every process runs every few seconds
            bridge.process.inbox.sweep()
            return [r for r in _inbox(bridge) if r.status == InboxStatus.FAILED]

        [row] = wait_for(failed, timeout=20, what="the row to be given up")
    finally:
        with bridge.services.deps.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE draft_away RENAME TO draft"))
    assert row.attempts == 3 and row.error
    health = requests.get(f"{bridge.url}/healthz", timeout=5).json()
    assert health["inbox"] == {"pending": 0, "failed": 1}
    [notice] = wait_for(lambda: bridge.slack.ephemerals(AGENT), what="notice")
    assert notice["text"] == NOT_DONE_REPLY
    assert notice.get("thread_ts") == card["ts"]
    assert bridge.drafts_in(card) == []


def test_a_click_that_keeps_failing_tells_the_clicker_through_its_response_url(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: please approve me")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    wait_for(lambda: [r.status for r in _inbox(bridge)] == [InboxStatus.DONE], what="the reply handled")
    with bridge.services.deps.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE draft RENAME TO draft_away"))
    try:
        bridge.click(MANAGER, draft_msg, ActionId.APPROVE)

        def failed() -> list[SlackInbox]:
            assert bridge.process is not None
            bridge.process.inbox.sweep()
            return [r for r in _inbox(bridge) if r.status == InboxStatus.FAILED]

        [row] = wait_for(failed, timeout=20, what="the click to be given up")
    finally:
        with bridge.services.deps.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE draft_away RENAME TO draft"))
    assert row.kind == "action"
    notices = wait_for(lambda: bridge.slack.responses(), what="notice")
    assert [n.body["text"] for n in notices] == [NOT_DONE_CLICK]
    assert bridge.x.posted() == []


def test_clicks_that_open_a_modal_stay_live_and_are_not_stored(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.click(AGENT, card, ActionId.WRITE_REPLY)
    wait_for(lambda: bridge.slack.views_opened, what="the reply window")
    assert [r.kind for r in _inbox(bridge)] == []
