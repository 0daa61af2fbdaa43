"""The same guarantees on PostgreSQL: migrations, and exactly one post under concurrent approvals."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from slackbridge.db import check_schema, make_engine, upgrade
from slackbridge.models import Draft, DraftStatus
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, Bridge, RunningBridge, wait_for


@pytest.fixture
def pg_bridge(fakes: tuple[FakeSlack, FakeX], postgres_url: str) -> Iterator[Bridge]:
    engine = make_engine(postgres_url)
    assert check_schema(engine) is not None
    upgrade(engine)
    assert check_schema(engine) is None
    engine.dispose()
    running = RunningBridge(*fakes, postgres_url, {})
    yield running.start()
    running.stop()
    running_engine = make_engine(postgres_url)
    running_engine.dispose()


def test_concurrent_approvals_post_once_on_postgres(pg_bridge: Bridge) -> None:
    bridge = pg_bridge
    tweet_id = bridge.x.mention("jane", "@acme where is my order?")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Checking now, Jane!")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    bridge.x.delay_next("/2/tweets", 0.3, method="POST")
    threads = [
        threading.Thread(target=bridge.click, args=(user, draft_msg, "draft_approve"))
        for user in [MANAGER, LEAD] * 4
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def sent() -> bool:
        with Session(bridge.services.deps.engine) as session:
            return session.exec(select(Draft)).one().status == DraftStatus.SENT

    wait_for(sent, what="sent")
    assert len(bridge.x.posted()) == 1
    bridge.services.deps.engine.dispose()
