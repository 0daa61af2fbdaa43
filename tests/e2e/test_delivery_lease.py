"""Two processes on one store (a web process and a worker) never card the same post twice on Slack."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import Session

from slackbridge.app import Services, build_services
from slackbridge.db import make_engine
from slackbridge.models import Cursor, utcnow
from slackbridge.services.ingest import DELIVERY_LEASE, DELIVERY_LEASE_TTL
from slackbridge.services.lease import Lease
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import CHANNEL, Bridge, wait_for


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
