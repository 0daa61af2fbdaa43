"""Each post is shown on Slack once: across two processes (a web process and a worker), and when Slack
acts on a post but its answer is lost on the way."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlmodel import Session, select

from slackbridge.app import Services, build_services
from slackbridge.db import make_engine
from slackbridge.models import Case, Tweet, utcnow
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, Bridge, wait_for


def other_process(bridge: Bridge, db_url: str) -> Services:
    """A second instance of the service on the same database, fakes and settings."""
    return build_services(bridge.settings, engine=make_engine(db_url))


def cards_per_post(bridge: Bridge, ids: list[str]) -> dict[str, int]:
    texts = [message_text(m) for m in bridge.slack.messages(CHANNEL)]
    return {tweet_id: sum(tweet_id in text for text in texts) for tweet_id in ids}


def hold(bridge: Bridge, tweet_id: str, *, by: str, until: datetime) -> None:
    """Another process's claim on a post, as its delivery round writes it."""
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None
        tweet.claimed_by, tweet.claimed_until = by, until
        session.add(tweet)
        session.commit()


def test_a_post_another_process_is_showing_is_left_to_it_and_the_rest_go_on(bridge: Bridge) -> None:
    ids = [bridge.x.mention(f"user{n}", f"@acme question {n}") for n in range(3)]
    bridge.services.ingest.poll_mentions()
    hold(bridge, ids[0], by="worker-elsewhere", until=utcnow() + timedelta(seconds=20))

    assert bridge.services.ingest.deliver_pending() == 2  # the held one is the other process's
    assert cards_per_post(bridge, ids) == {ids[0]: 0, ids[1]: 1, ids[2]: 1}


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
    assert sum(delivered) == 6  # shared between them, each post by one


def test_a_post_held_by_a_crashed_process_is_shown_once_its_claim_runs_out(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("stranded", "@acme anyone there?")
    bridge.services.ingest.poll_mentions()
    hold(bridge, tweet_id, by="crashed-worker", until=utcnow() + timedelta(seconds=20))
    bridge.services.ingest.deliver_pending()
    assert bridge.slack.messages(CHANNEL) == []

    hold(bridge, tweet_id, by="crashed-worker", until=utcnow() - timedelta(seconds=1))  # time passes
    assert bridge.services.ingest.deliver_pending() == 1
    assert cards_per_post(bridge, [tweet_id]) == {tweet_id: 1}
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None and tweet.claimed_by is None and tweet.slack_ts


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
