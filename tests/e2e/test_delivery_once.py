"""Each post is shown on Slack once: across two processes (a web process and a worker), and when Slack
acts on a post but its answer is lost on the way."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import Session, select

from slackbridge.app import Services, build_services
from slackbridge.db import make_engine
from slackbridge.models import Case, Cursor, Tweet, utcnow
from slackbridge.services.ingest import DELIVERY_LEASE, DELIVERY_LEASE_TTL
from slackbridge.services.lease import Lease
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, Bridge, wait_for


def other_process(bridge: Bridge, db_url: str) -> Services:
    """A second instance of the service on the same database, fakes and settings."""
    return build_services(bridge.settings, engine=make_engine(db_url))


def cards_per_post(bridge: Bridge, ids: list[str]) -> dict[str, int]:
    texts = [message_text(m) for m in bridge.slack.messages(CHANNEL)]
    return {tweet_id: sum(tweet_id in text for text in texts) for tweet_id in ids}


def test_while_another_process_delivers_this_one_leaves_the_posts_to_it(bridge: Bridge, db_url: str) -> None:
    ids = [bridge.x.mention(f"user{n}", f"@acme question {n}") for n in range(3)]
    worker = Lease(bridge.services.deps, DELIVERY_LEASE, DELIVERY_LEASE_TTL)
    assert worker.acquire()  # the worker is in the middle of a delivery round

    bridge.poll()  # stores the mentions, shows none: they are the worker's to show
    assert bridge.slack.messages(CHANNEL) == []

    worker.release()
    assert bridge.services.ingest.deliver_pending() == 3
    assert cards_per_post(bridge, ids) == dict.fromkeys(ids, 1)


def test_two_processes_delivering_at_once_card_each_post_exactly_once(bridge: Bridge, db_url: str) -> None:
    ids = [bridge.x.mention(f"user{n}", f"@acme order {n} is late") for n in range(6)]
    bridge.services.ingest.poll_mentions()
    for _ in range(3):
        bridge.slack.delay_next("chat.postMessage", 0.2)  # slow Slack: the rounds overlap
    web, worker = bridge.services, other_process(bridge, db_url)
    delivered: list[int] = []
    rounds = [
        threading.Thread(target=lambda s=s: delivered.append(s.ingest.deliver_pending()))
        for s in (web, worker)
    ]
    for t in rounds:
        t.start()
    for t in rounds:
        t.join(30)

    wait_for(lambda: len(bridge.slack.messages(CHANNEL)) >= 6, what="six cards")
    assert cards_per_post(bridge, ids) == dict.fromkeys(ids, 1)
    assert sorted(delivered) == [0, 6]  # one process showed them all; the other saw it was busy


def test_a_crashed_deliverer_is_replaced_once_its_lease_runs_out(bridge: Bridge, db_url: str) -> None:
    tweet_id = bridge.x.mention("stranded", "@acme anyone there?")
    crashed = Lease(bridge.services.deps, DELIVERY_LEASE, DELIVERY_LEASE_TTL)
    assert crashed.acquire()  # ...and the process dies without releasing it
    bridge.poll()
    assert bridge.slack.messages(CHANNEL) == []

    with Session(bridge.services.deps.engine) as session:  # time passes beyond the lease
        row = session.get(Cursor, DELIVERY_LEASE)
        assert row is not None
        row.updated_at = utcnow() - DELIVERY_LEASE_TTL - timedelta(seconds=5)
        session.add(row)
        session.commit()
    bridge.poll()
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}


def test_a_card_slack_took_without_answering_is_found_not_posted_again(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme where is my order?")
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    bridge.poll()  # Slack shows the card, but we never hear its ts
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}

    bridge.poll()  # the next round looks for it (by its metadata) before posting
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    card = bridge.card_for(tweet_id)
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case)).one()
        assert case.thread_ts == card["ts"] and case.channel_id == CHANNEL
    # The card found again is the case's card: work in its thread carries on.
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: On its way, Jane!")
    wait_for(lambda: bridge.drafts_in(card), what="draft in the card's thread")


def test_a_follow_up_slack_took_without_answering_is_not_posted_again(bridge: Bridge) -> None:
    root = bridge.x.mention("jane", "@acme where is my order?")
    bridge.poll()
    card = bridge.card_for(root)
    follow = bridge.x.mention("jane", "@acme it was due Monday", in_reply_to=root, conversation_id=root)
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    bridge.poll()
    bridge.poll()
    in_thread = [m for m in bridge.thread(card) if follow in message_text(m)]
    assert len(in_thread) == 1
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, follow)
        assert tweet is not None and tweet.slack_ts == in_thread[0]["ts"]


def test_a_post_slack_refused_is_posted_on_the_next_round(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme hello?")
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500)  # really not posted
    bridge.poll()
    assert bridge.slack.messages(CHANNEL) == []
    bridge.poll()
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}


def test_when_slack_cannot_be_searched_nothing_is_posted_until_it_can(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme hello?")
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    bridge.poll()
    bridge.slack.fail_next("conversations.history", error="internal_error", status=500)
    bridge.poll()  # cannot tell whether the card is there: wait rather than risk a second one
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    bridge.poll()
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None and tweet.slack_ts == bridge.card_for(tweet_id)["ts"]


def test_a_connection_dropped_after_slack_took_the_card_is_not_resent(bridge: Bridge) -> None:
    # slack_sdk retries connection errors on its own; for a post that may have arrived that would mean
    # a second card, so the post fails to us instead and the next round finds the first one.
    tweet_id = bridge.x.mention("jane", "@acme anyone?")
    bridge.slack.fail_next("chat.postMessage", after=True, drop=True)
    bridge.poll()
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    assert len(bridge.slack.calls("chat.postMessage")) == 1  # not retried
    bridge.poll()
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None and tweet.slack_ts == bridge.card_for(tweet_id)["ts"]


def test_other_calls_are_still_retried_after_a_dropped_connection(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme anyone?")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    bridge.slack.fail_next("chat.update", drop=True)  # dropped before acting: a retry is safe
    bridge.click(AGENT, card, "case_assign")
    wait_for(lambda: "assigned to <@UAGENT>" in message_text(bridge.current(card)), what="card updated")
    assert len(bridge.slack.calls("chat.update")) >= 2
