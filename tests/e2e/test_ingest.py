"""Mentions arrive in Slack as cards; follow-ups land in the same thread; nothing is lost or doubled."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Case, CaseStatus, Cursor, Tweet
from slackbridge.testing.fake_slack import find_button, message_text
from tests.e2e.conftest import CHANNEL, Bridge, wait_for
from tests.safety import assert_cannot_ping


def test_mention_becomes_a_card_with_author_text_link_status_and_buttons(bridge: Bridge) -> None:
    bridge.x.add_user("jane_doe", "Jane Doe", followers=4321)
    tweet_id = bridge.x.mention("jane_doe", "@acme my order #123 never arrived & I'm upset")

    assert bridge.poll() == 1

    [card] = bridge.cards()
    text = message_text(card)
    assert "Jane Doe" in text
    assert "https://x.com/jane_doe|@jane_doe" in text
    assert "4,321 followers" in text
    assert "my order #123 never arrived & I'm upset" in text  # X's &amp; decoded; shown literally
    assert f"https://x.com/jane_doe/status/{tweet_id}" in text
    assert "Open: waiting on us" in text
    assert find_button(card, "case_write_reply")
    assert '"action_id": "case_resolve_as"' in json.dumps(card)  # Resolve asks for the outcome


def test_follow_up_in_same_conversation_goes_into_the_thread_and_reopens(bridge: Bridge) -> None:
    first = bridge.x.mention("sam", "@acme is the store open on Sunday?")
    bridge.poll()
    [card] = bridge.cards()
    bridge.driver.select("UAGENT", "case_resolve_as", "solved", channel=CHANNEL, message_ts=card["ts"])

    def resolved() -> bool:
        with Session(bridge.services.deps.engine) as session:
            return session.exec(select(Case)).one().status == CaseStatus.RESOLVED

    wait_for(resolved, what="case resolved")

    follow = bridge.x.mention("sam", "@acme also, do you sell gift cards?", in_reply_to=first)
    bridge.poll()

    assert len(bridge.cards()) == 1, "a follow-up must not create a second card"
    thread = bridge.thread(card)
    assert any("do you sell gift cards?" in message_text(m) for m in thread)
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case)).one()
        assert case.status == CaseStatus.OPEN
        assert session.get(Tweet, follow) is not None
        actions = [row.action for row in session.exec(select(AuditLog))]
        assert AuditAction.CASE_REOPENED in actions
    assert "Open: waiting on us" in message_text(bridge.current(card))


def test_own_posts_and_plain_retweets_are_not_carded_quotes_are(bridge: Bridge) -> None:
    original = bridge.x.add_tweet("acme", "We are open late today")
    bridge.x.add_tweet("acme", "@acme note to self")
    bridge.x.add_tweet("fan", "RT @acme: We are open late today", retweet_of=original)
    quote = bridge.x.add_tweet("critic", "@acme late again, as usual", quote_of=original)

    bridge.poll()

    cards = bridge.cards()
    assert len(cards) == 1
    assert quote in message_text(cards[0])


def test_hostile_tweet_text_cannot_ping_link_or_format(bridge: Bridge) -> None:
    hostile = "@acme <!channel> <@U0ADMIN> <https://evil.example|click here> <!subteam^S123> & <b>"
    bridge.x.mention("troll", hostile)
    bridge.poll()

    [card] = bridge.cards()
    assert_cannot_ping(card, ["<!channel>", "<@U0ADMIN>", "<https://evil.example|", "<!subteam^S123>"])
    assert hostile in message_text(card)  # the team still sees exactly what the customer wrote


def test_cursor_is_saved_and_a_second_poll_stores_nothing_new(bridge: Bridge) -> None:
    for n in range(3):
        bridge.x.mention(f"user{n}", f"@acme question number {n}")
    assert bridge.poll() == 3
    assert bridge.poll() == 0
    assert len(bridge.cards()) == 3
    with Session(bridge.services.deps.engine) as session:
        cursor = session.get(Cursor, "mentions")
        assert cursor is not None and int(cursor.value) > 0


def test_pagination_stores_every_mention_since_the_cursor(bridge: Bridge) -> None:
    bridge.x.mention("early", "@acme first")
    bridge.poll()
    ids = [bridge.x.mention(f"burst{n}", f"@acme burst {n}") for n in range(130)]
    assert bridge.poll() == 130
    with Session(bridge.services.deps.engine) as session:
        stored = set(session.exec(select(Tweet.id)).all())
    assert set(ids) <= stored
    assert len(bridge.cards()) == 131


def test_slack_outage_keeps_mentions_and_delivers_them_later(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("patient", "@acme hello?")
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, count=1)
    bridge.poll()
    assert bridge.cards() == []
    with Session(bridge.services.deps.engine) as session:
        assert session.get(Tweet, tweet_id) is not None  # stored: not lost

    bridge.poll()
    assert len(bridge.cards()) == 1 and tweet_id in message_text(bridge.cards()[0])


def test_x_outage_and_rate_limit_back_off_and_resume_from_cursor(bridge: Bridge) -> None:
    bridge.x.mention("a", "@acme one")
    bridge.poll()
    second = bridge.x.mention("b", "@acme two")
    bridge.x.fail_next("/2/users/", 503)
    poller_wait = _round_with_poller(bridge)
    assert poller_wait > bridge.settings.poll_seconds  # backed off
    bridge.x.fail_next("/2/users/", 429, headers={"x-rate-limit-reset": "9999999999"})
    _round_with_poller(bridge)
    assert len(bridge.cards()) == 1
    bridge.poll()
    assert second in message_text(bridge.cards()[-1]) or any(
        second in message_text(c) for c in bridge.cards()
    )
    assert len(bridge.cards()) == 2


def _round_with_poller(bridge: Bridge) -> float:
    from slackbridge.poller import Poller

    poller = Poller("mentions", bridge.runtime.mentions_round, bridge.settings.poll_seconds)
    return poller.run_once()


def test_card_goes_to_the_configured_channel(bridge: Bridge) -> None:
    bridge.x.mention("c", "@acme hi")
    bridge.poll()
    assert bridge.slack.messages(CHANNEL)
