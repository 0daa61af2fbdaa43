"""GET /metrics through the real WSGI app after a mention is carded and its reply approved and posted."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, select

from slackbridge.models import Draft, DraftStatus
from slackbridge.x.types import XError
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for


def scrape(bridge: Bridge) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(bridge.url + "/metrics", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = answer.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {"SLACKBRIDGE_MONTHLY_BUDGET": "10"}


def test_metrics_count_the_flow_from_mention_to_posted_reply(bridge: Bridge) -> None:
    before = scrape(bridge)
    assert value(before, "slackbridge_mentions_ingested_total") == 0
    assert value(before, "slackbridge_store_up") == 1

    tweet_id = bridge.x.mention("jane", "@acme my parcel is late")
    bridge.slack.fail_next("chat.postMessage", error="ratelimited", status=429, headers={"Retry-After": "0"})
    bridge.poll()  # the card waits out one 429 and is posted
    card = bridge.card_for(tweet_id)
    waiting = scrape(bridge)
    assert value(waiting, "slackbridge_open_cases") == 1
    assert value(waiting, "slackbridge_oldest_unanswered_seconds") > 0

    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Sorry! DM us and we'll fix it.")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft message")
    bridge.click(MANAGER, draft_msg, "draft_approve")

    def sent() -> bool:
        with Session(bridge.services.deps.engine) as session:
            return session.exec(select(Draft)).one().status == DraftStatus.SENT

    wait_for(sent, what="reply posted")
    after = scrape(bridge)

    assert value(after, "slackbridge_mentions_ingested_total") == 1
    assert value(after, "slackbridge_cards_posted_total") == 1
    assert value(after, "slackbridge_drafts_total", origin="human", outcome="sent") == 1
    assert value(after, "slackbridge_x_posts_total") == 1
    assert value(after, "slackbridge_open_cases") == 0
    assert value(after, "slackbridge_oldest_unanswered_seconds") == 0
    assert 0 <= value(after, "slackbridge_poll_lag_seconds") < 3600
    assert value(after, "slackbridge_x_usage_total", purpose="mentions", direction="read") == 1
    assert value(after, "slackbridge_x_usage_total", purpose="reply", direction="write") == 1
    # One owned read ($0.001) and one reply to a mention ($0.010).
    assert value(after, "slackbridge_x_spend_dollars", period="month") == pytest.approx(0.011)
    assert value(after, "slackbridge_x_spend_dollars", period="today") == pytest.approx(0.011)
    assert value(after, "slackbridge_x_billed_calls", kind="owned_read") == 1
    assert value(after, "slackbridge_x_billed_calls", kind="reply") == 1
    assert value(after, "slackbridge_x_budget_dollars") == 10

    # Per-process figures (this test process may have counted others' before): they moved by this flow.
    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("slackbridge_slack_rate_limited_total") == 1
    assert moved("slackbridge_slack_ack_seconds_count") >= 2  # the thread message and the click
    assert moved("slackbridge_slack_ack_seconds_bucket", le="3.0") == moved(
        "slackbridge_slack_ack_seconds_count"
    )
    assert moved("slackbridge_x_requests_total", endpoint="/2/users/:id/mentions", method="GET") >= 1
    assert moved("slackbridge_x_requests_total", endpoint="/2/tweets", method="POST") == 1


def test_x_failures_are_counted_by_kind(bridge: Bridge) -> None:
    before = scrape(bridge)
    bridge.x.fail_next("/2/users/", 503, count=1)
    with pytest.raises(XError):
        bridge.poll()
    after = scrape(bridge)
    assert (
        value(after, "slackbridge_x_errors_total", kind="transient")
        - value(before, "slackbridge_x_errors_total", kind="transient")
        == 1
    )
