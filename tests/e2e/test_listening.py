"""Keyword listening: approver-only queries, cards in the listening channel, the daily read budget, Track."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Case, CaseSource, ListenQuery, XUsage, utcnow
from slackbridge.testing.fake_slack import find_button, message_text
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for
from tests.e2e.test_tweetcare import ask

LISTEN = "C0LISTEN"
BUDGET = 30


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {"SLACKBRIDGE_LISTEN_CHANNEL": LISTEN, "SLACKBRIDGE_DAILY_READ_BUDGET": str(BUDGET)}


def _listen_reads(bridge: Bridge) -> int:
    with Session(bridge.services.deps.engine) as session:
        row = session.get(XUsage, (utcnow().strftime("%Y-%m-%d"), "listen"))
        return row.reads if row else 0


def test_only_approvers_manage_queries_and_everyone_can_list_them(bridge: Bridge) -> None:
    assert "Only approvers" in message_text(ask(bridge, AGENT, 'listen add "acme blender"'))
    assert "Only approvers" in message_text(ask(bridge, AGENT, "listen remove 1"))
    assert "not listening for anything" in message_text(ask(bridge, AGENT, "listen list"))

    added = message_text(ask(bridge, MANAGER, "listen add \u201cacme blender -is:retweet\u201d"))
    assert "Listening query 1 added: `acme blender -is:retweet`" in added and f"<#{LISTEN}>" in added
    ask(bridge, "ULEAD", 'listen add "acme toaster"')  # approver through the S0LEADS group
    listed = message_text(ask(bridge, AGENT, "listen list"))
    assert "*1.* `acme blender -is:retweet`" in listed and "*2.* `acme toaster`" in listed
    assert "Give the X search" in message_text(ask(bridge, MANAGER, "listen add"))

    assert "Listening query 1 removed" in message_text(ask(bridge, MANAGER, "listen remove 1"))
    assert "no active listening query 1" in message_text(ask(bridge, MANAGER, "listen remove 1"))
    assert "acme blender" not in message_text(ask(bridge, AGENT, "listen list"))
    with Session(bridge.services.deps.engine) as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
        assert actions.count(AuditAction.LISTEN_ADDED) == 2 and actions.count(AuditAction.LISTEN_REMOVED) == 1
        assert session.get(ListenQuery, 1).active is False  # type: ignore[union-attr]


def test_hits_become_listening_cards_and_reads_stop_at_the_daily_budget(bridge: Bridge) -> None:
    ask(bridge, MANAGER, 'listen add "blender"')
    for n in range(15):
        bridge.x.add_tweet(f"fan{n}", f"my blender number {n} is loud")
    bridge.x.add_tweet("other", "nothing to see here")

    assert bridge.runtime.listen_round() == 15
    cards = bridge.slack.messages(LISTEN)
    assert len(cards) == 15 and bridge.cards(CHANNEL) == []
    card = cards[0]
    text = message_text(card)
    assert "keyword listening" in text and "answer this one on X itself" in text
    assert find_button(card, "open_on_x")["url"].startswith("https://x.com/fan")
    find_button(card, "case_track")
    with pytest.raises(LookupError):
        find_button(card, "case_write_reply")
    assert _listen_reads(bridge) == 15 == bridge.x.reads

    for n in range(20):
        bridge.x.add_tweet(f"late{n}", f"blender again {n}")
    bridge.runtime.listen_round()
    assert _listen_reads(bridge) == BUDGET, "the second round asks X only for what the budget allows"
    assert bridge.x.reads == BUDGET

    bridge.x.add_tweet("later", "one more blender")
    assert bridge.runtime.listen_round() == 0
    assert bridge.x.reads == BUDGET, "a spent budget means no request to X at all"
    assert f"{BUDGET} of {BUDGET} posts read on X today" in message_text(ask(bridge, AGENT, "stats"))
    bridge.driver.app_home_opened(AGENT)
    wait_for(
        lambda: f"X reads *{BUDGET}* of {BUDGET}" in message_text(bridge.slack.home_view(AGENT) or {}),
        what="budget on the Home tab",
    )
    assert "0 cases waiting" not in message_text(ask(bridge, AGENT, "queue"))
    assert "Nothing is waiting on us" in message_text(ask(bridge, AGENT, "queue")), (
        "listening hits wait on nobody"
    )


def test_track_moves_a_listening_hit_to_the_cases_channel_as_a_workable_case(bridge: Bridge) -> None:
    ask(bridge, MANAGER, 'listen add "kettle"')
    tweet_id = bridge.x.add_tweet("kat", "my kettle from acme leaks")
    bridge.runtime.listen_round()
    listen_card = bridge.card_for(tweet_id, channel=LISTEN)

    bridge.click(AGENT, listen_card, "case_track", channel=LISTEN)
    card = wait_for(lambda: bridge.cards(CHANNEL), what="card in the cases channel")[0]
    assert tweet_id in message_text(card) and find_button(card, "case_write_reply")
    moved: Any = wait_for(
        lambda: (
            "moved to" in message_text(bridge.current(listen_card, LISTEN))
            and bridge.current(listen_card, LISTEN)
        ),
        what="listening card says moved",
    )
    assert f"<#{CHANNEL}>" in message_text(moved)
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case)).one()
        assert case.source == CaseSource.TRACKED and case.channel_id == CHANNEL

    bridge.click(MANAGER, listen_card, "case_track", channel=LISTEN)  # a second click changes nothing
    wait_for(
        lambda: any("already tracked" in r.body.get("text", "") for r in bridge.slack.responses()),
        what="already tracked notice",
    )
    assert len(bridge.cards(CHANNEL)) == 1
    # the new card keeps working after later refreshes
    bridge.driver.select(AGENT, "case_resolve_as", "solved", channel=CHANNEL, message_ts=card["ts"])
    wait_for(lambda: "Resolved" in message_text(bridge.current(card)), what="resolved")
    assert find_button(bridge.current(card), "case_reopen")


def test_a_tracked_card_slack_took_without_answering_is_found_when_track_is_pressed_again(
    bridge: Bridge,
) -> None:
    ask(bridge, MANAGER, 'listen add "kettle"')
    tweet_id = bridge.x.add_tweet("kat", "my kettle from acme leaks")
    bridge.runtime.listen_round()
    listen_card = bridge.card_for(tweet_id, channel=LISTEN)

    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    first = bridge.click(AGENT, listen_card, "case_track", channel=LISTEN)
    [notice] = wait_for(lambda: bridge.slack.responses(first.response_name), what="first notice")
    assert "press Track again" in notice.body["text"]
    assert len(bridge.cards(CHANNEL)) == 1  # Slack showed it; we never heard its ts

    again = bridge.click(AGENT, listen_card, "case_track", channel=LISTEN)
    [notice] = wait_for(lambda: bridge.slack.responses(again.response_name), what="second notice")
    assert f"in <#{CHANNEL}>" in notice.body["text"]
    [card] = bridge.cards(CHANNEL)  # found again, not posted twice
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case)).one()
        assert case.channel_id == CHANNEL and case.thread_ts == card["ts"]
    wait_for(lambda: "moved to" in message_text(bridge.current(listen_card, LISTEN)), what="pointer")


def test_listening_poller_runs_only_with_a_listening_channel(bridge: Bridge) -> None:
    bridge.runtime.add_default_pollers()
    assert [p.name for p in bridge.runtime.pollers] == ["mentions", "listen", "compliance", "reminders"]
    assert bridge.runtime.pollers[1].interval == bridge.settings.listen_seconds


def test_listening_leaves_mentions_to_the_care_channel_and_a_mention_promotes_a_watched_case(
    bridge: Bridge,
) -> None:
    ask(bridge, MANAGER, 'listen add "toaster"')
    watched = bridge.x.add_tweet("tom", "this toaster keeps burning my bread")
    bridge.x.add_tweet("mia", "@acme my toaster is broken")  # a mention: the mentions poller's job
    assert bridge.runtime.listen_round() == 1
    assert len(bridge.slack.messages(LISTEN)) == 1
    bridge.poll()
    assert any("my toaster is broken" in message_text(c) for c in bridge.cards(CHANNEL))

    # Later the author of the watched post asks us directly, in the same conversation.
    follow = bridge.x.mention("tom", "@acme any idea why?", in_reply_to=watched)
    bridge.poll()
    card = wait_for(
        lambda: next((c for c in bridge.cards(CHANNEL) if watched in message_text(c)), None),
        what="the watched case carded in the care channel",
    )
    assert find_button(card, "case_write_reply")
    assert any(follow in message_text(m) for m in bridge.thread(card)), "the mention is in the new thread"
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case).where(Case.root_tweet_id == watched)).one()
        assert case.source != CaseSource.LISTEN and case.channel_id == CHANNEL
