"""Delivery to Slack from many processes: each post claimed by one, Slack outages pause the round, a post
Slack keeps refusing is parked, a busy channel cannot hide a card whose answer was lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from slackbridge.app import Services, build_services
from slackbridge.db import make_engine, upgrade
from slackbridge.models import Tweet, utcnow
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import CHANNEL, Bridge, RunningBridge


def cards_per_post(bridge: Bridge, ids: list[str]) -> dict[str, int]:
    texts = [message_text(m) for m in bridge.slack.messages(CHANNEL)]
    return {tweet_id: sum(tweet_id in text for text in texts) for tweet_id in ids}


def slack_calls(bridge: Bridge) -> int:
    return len([c for c in bridge.slack.calls() if c.method != "auth.test"])


def test_an_html_outage_pauses_delivery_instead_of_hammering_slack(bridge: Bridge) -> None:
    ids = [bridge.x.mention(f"user{n}", f"@acme question {n}") for n in range(30)]
    bridge.services.ingest.poll_mentions()
    bridge.slack.outage(503)  # Slack's edge answers an HTML page, not the Web API's JSON
    before = slack_calls(bridge)

    assert bridge.services.ingest.deliver_pending() == 0
    assert bridge.services.ingest.deliver_pending() == 0
    assert slack_calls(bridge) - before <= 4  # a handful for two rounds, not one per post
    with Session(bridge.services.deps.engine) as session:  # an outage is nobody's fault: no post counted
        assert not session.exec(select(Tweet).where(col(Tweet.delivery_failures) > 0)).all()

    bridge.slack.end_outage()
    assert bridge.services.ingest.deliver_pending() == 30
    assert cards_per_post(bridge, ids) == dict.fromkeys(ids, 1)


def test_a_lost_card_is_found_behind_250_newer_messages_not_posted_twice(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme where is my order?")
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    bridge.poll()  # Slack shows the card, but we never hear its ts
    for n in range(250):  # a busy channel: the card scrolls back past one page of history
        bridge.slack.add_message(CHANNEL, "UCHATTY", f"chatter {n}")

    bridge.poll()
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    history = [c for c in bridge.slack.calls("conversations.history")]
    assert len(history) >= 2 and history[-1].params.get("cursor")  # it followed Slack's cursor
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None and tweet.slack_ts == bridge.card_for(tweet_id)["ts"]


def test_a_post_slack_keeps_refusing_is_parked_with_one_notice_and_blocks_nothing(bridge: Bridge) -> None:
    broken = bridge.x.mention("ann", "@acme my secret order details")
    fine = bridge.x.mention("ben", "@acme do you deliver on Sundays?")
    bridge.services.ingest.poll_mentions()
    for _ in range(4):  # the oldest post is tried first each round, and Slack refuses it (three times)
        bridge.slack.fail_next("chat.postMessage", error="invalid_blocks") if _ < 3 else None
        bridge.services.ingest.deliver_pending()
    later = bridge.x.mention("cy", "@acme hello?")
    bridge.poll()

    assert cards_per_post(bridge, [fine, later]) == {fine: 1, later: 1}
    notices = [m for m in bridge.slack.messages(CHANNEL) if broken in message_text(m)]
    assert len(notices) == 1
    assert "invalid_blocks" in message_text(notices[0])
    assert "secret order" not in message_text(notices[0])  # the post's text stays out of the notice
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, broken)
        assert tweet is not None and tweet.parked_at is not None and tweet.delivery_failures == 3
        assert tweet.slack_ts is None and tweet.claimed_by is None


def test_a_follow_up_waits_for_its_conversations_card(bridge: Bridge) -> None:
    root = bridge.x.mention("jane", "@acme where is my order?")
    follow = bridge.x.mention("jane", "@acme it was due Monday", in_reply_to=root, conversation_id=root)
    bridge.services.ingest.poll_mentions()
    with Session(bridge.services.deps.engine) as session:  # another process is showing the root
        tweet = session.get(Tweet, root)
        assert tweet is not None
        tweet.claimed_by, tweet.claimed_until = "elsewhere", utcnow() + timedelta(seconds=20)
        session.add(tweet)
        session.commit()

    assert bridge.services.ingest.deliver_pending() == 0
    assert bridge.slack.messages(CHANNEL) == []

    with Session(bridge.services.deps.engine) as session:  # ...and died: its claim runs out
        tweet = session.get(Tweet, root)
        assert tweet is not None
        tweet.claimed_until = utcnow() - timedelta(seconds=1)
        session.add(tweet)
        session.commit()
    assert bridge.services.ingest.deliver_pending() == 2
    card = bridge.card_for(root)
    assert [m for m in bridge.thread(card) if follow in message_text(m)]


def test_first_run_reads_back_past_the_newest_page(bridge: Bridge) -> None:
    ids = [bridge.x.mention(f"fan{n}", f"@acme launch day question {n}") for n in range(150)]
    bridge.poll()
    assert cards_per_post(bridge, ids) == dict.fromkeys(ids, 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/shared.db"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(make_engine(url))
    return url


@pytest.fixture
def on_shared_store(fakes: tuple[object, object], shared_url: str) -> Iterator[RunningBridge]:
    slack, x = fakes
    running = RunningBridge(slack, x, shared_url, {})  # type: ignore[arg-type]
    yield running
    running.stop()


def test_two_processes_deliver_40_posts_in_parallel_each_once(
    on_shared_store: RunningBridge, shared_url: str
) -> None:
    bridge = on_shared_store.start()
    ids = [bridge.x.mention(f"user{n}", f"@acme order {n} is late") for n in range(40)]
    bridge.services.ingest.poll_mentions()
    for _ in range(40):
        bridge.slack.delay_next("chat.postMessage", 0.03)  # Slack takes a moment: the rounds overlap
    other: Services = build_services(bridge.settings, engine=make_engine(shared_url))
    delivered: list[int] = []
    rounds = [
        threading.Thread(target=lambda s=s: delivered.append(s.ingest.deliver_pending()))
        for s in (bridge.services, other)
    ]
    for t in rounds:
        t.start()
    for t in rounds:
        t.join(60)

    assert cards_per_post(bridge, ids) == dict.fromkeys(ids, 1)
    assert sum(delivered) == 40 and min(delivered) > 0  # both took a share
    other.deps.engine.dispose()
