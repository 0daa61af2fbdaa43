"""One bad post never stops ingest: each is fed between two normal ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from slackbridge.db import make_engine, upgrade
from slackbridge.models import Case, Cursor, Customer, Draft, Tweet, TweetSource
from slackbridge.services.cases import card_view
from slackbridge.services.storing import UNSTORABLE_TEXT, store_tweets
from slackbridge.slack.blocks.card import build_degraded_card, fallback_text
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.x.types import XTweet, XUser
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, RunningBridge, wait_for
from tests.safety import assert_cannot_ping, assert_literal, shown_as


@pytest.fixture(params=["sqlite", "postgresql"])
def any_bridge(
    request: pytest.FixtureRequest, fakes: tuple[FakeSlack, FakeX], db_url: str, env_extra: dict[str, str]
) -> Iterator[Bridge]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    if request.param != "sqlite":
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    running = RunningBridge(*fakes, url, env_extra)
    yield running.start()
    running.stop()


@dataclass(frozen=True)
class Poison:
    text: str  # after "@acme "
    username: str = "poisoner"
    name: str = "Poisoner"
    stored_text: Callable[[str], bool] = lambda text: True  # what the store must hold instead


POISONS = {
    "lone_surrogate": Poison(
        "half an emoji \ud83d in the middle", stored_text=lambda t: "half an emoji \ufffd in the middle" in t
    ),
    "nul_byte": Poison("a NUL\x00 byte and a bell\x07", stored_text=lambda t: "a NUL byte and a bell" in t),
    "long_name": Poison("my name is long", name="N" * 300),
    "long_username": Poison("my handle is long", username="u" * 40),
    "long_text": Poison("x" * 5000, stored_text=lambda t: t.count("x") == 5000),
    "rtl_zero_width": Poison(
        "\u202eright to left\u202c and zero\u200bwidth\u200d joiners",
        name="\u202eevil\u202c \u200bname",
        stored_text=lambda t: "\u202eright to left\u202c and zero\u200bwidth" in t,
    ),
    "channel_ping": Poison("<!channel> <@U0ADMIN> <https://evil.example|click> *bold* _it_"),
}


@pytest.mark.parametrize("kind", sorted(POISONS))
def test_a_bad_post_between_two_normal_ones_never_blocks_ingest(
    any_bridge: Bridge, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    bridge, poison = any_bridge, POISONS[kind]
    caplog.set_level(logging.INFO)  # what operators run at; DEBUG of vendor libraries shows payloads
    bridge.x.add_user(poison.username, poison.name)
    before = bridge.x.mention("first_customer", "@acme firstsecretwords about my order")
    bad = bridge.x.mention(poison.username, f"@acme {poison.text}")
    after = bridge.x.mention("last_customer", "@acme lastsecretwords about my refund")

    bridge.poll()

    assert "firstsecretwords" in message_text(bridge.card_for(before))
    assert "lastsecretwords" in message_text(bridge.card_for(after))
    card = bridge.card_for(bad)
    assert_cannot_ping(card, ["<!channel>", "<@U0ADMIN>", "<https://evil", "*bold*"])
    with Session(bridge.services.deps.engine) as session:
        stored = session.get(Tweet, bad)
        assert stored is not None and stored.slack_ts is not None
        assert poison.stored_text(stored.text), stored.text[:200]
        customer = session.get(Customer, stored.author_id)
        assert customer is not None
        assert len(customer.name) <= 200 and len(customer.username) <= 32
        cursor = session.get(Cursor, "mentions")
        assert cursor is not None and cursor.value == after
    logged = "\n".join(r.getMessage() + str(r.exc_info) for r in caplog.records)
    for secret in ("firstsecretwords", "lastsecretwords"):
        assert secret not in logged


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("reply: Sorry\x00 about that", "Sorry about that"),
        ("reply: We are on it \ud83d now", "We are on it \ufffd now"),
    ],
)
def test_a_reply_with_characters_the_store_refuses_is_saved_cleaned(
    any_bridge: Bridge, typed: str, saved: str
) -> None:
    bridge = any_bridge
    tweet_id = bridge.x.mention("jane", "@acme where is my order?")
    bridge.poll()
    card = bridge.card_for(tweet_id)

    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, typed)

    [draft_message] = wait_for(lambda: bridge.drafts_in(card), what="the draft in the thread")
    assert saved in message_text(draft_message)
    with Session(bridge.services.deps.engine) as session:
        [draft] = session.exec(select(Draft)).all()
        assert draft.text == saved


def test_a_post_the_store_refuses_is_kept_as_a_minimal_row_and_the_batch_goes_on(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    author = XUser(id="7", username="jane", name="Jane")
    moment = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    good = XTweet(
        id="101", text="fine", author_id="7", conversation_id="101", created_at=moment, author=author
    )
    # A time without a zone is refused by the store (UTCDateTime), as an unforeseen bad value would be.
    bad = replace(
        good, id="102", conversation_id="102", text="secret words", created_at=moment.replace(tzinfo=None)
    )
    last = replace(good, id="103", conversation_id="103", text="also fine")
    with Session(engine) as session:
        assert store_tweets(session, [good, bad, last], TweetSource.MENTION, brand_id="1") == [
            "101",
            "102",
            "103",
        ]
        session.commit()
    with Session(engine) as session:
        stored = {t.id: t for t in session.exec(select(Tweet)).all()}
    assert stored["101"].text == "fine" and stored["103"].text == "also fine"
    assert stored["102"].text == UNSTORABLE_TEXT
    engine.dispose()


def test_hostile_display_name_renders_literally_on_the_card_and_in_lookups(bridge: Bridge) -> None:
    name = "*Support*_team_ <!here> `admin` ~x~"
    bridge.x.add_user("support_team", name)
    tweet_id = bridge.x.mention("support_team", "@acme hi")
    bridge.poll()

    card = bridge.card_for(tweet_id)
    author_line = card["blocks"][0]["text"]["text"]
    assert_literal(author_line[1 : author_line.index("* · ")], name)
    assert "*Support*" not in card["text"] and "<!here>" not in card["text"]

    answer = bridge.driver.command(AGENT, "/tweetcare", "user @support_team", channel=CHANNEL)
    [response] = wait_for(lambda: bridge.slack.responses(answer.response_name), what="the profile")
    profile_line = response.body["blocks"][0]["text"]["text"]
    assert_literal(profile_line[1 : profile_line.index("* ")], name)
    assert_cannot_ping(response.body, ["<!here>", "*Support*"])


def test_degraded_card_of_a_poison_post_is_accepted_by_slack(any_bridge: Bridge) -> None:
    bridge = any_bridge
    bridge.x.add_user("poisoner", "\u202eevil\u202c *name*\x00")
    tweet_id = bridge.x.mention("poisoner", "<!channel> half \ud83d an emoji\x00 " + "x" * 5000)
    bridge.poll()
    deps = bridge.services.deps
    with Session(deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None and tweet.case_id is not None
        case = session.get(Case, tweet.case_id)
        assert case is not None
        view = card_view(deps, session, case)

    _, ts = deps.slack.post_message(CHANNEL, fallback_text(view), build_degraded_card(view))

    shown = bridge.slack.message(CHANNEL, ts)
    assert shown is not None
    assert_cannot_ping(shown, ["<!channel>", "*name*"])
    assert "half \ufffd an emoji" in shown_as(message_text(shown))


@pytest.mark.parametrize("env_extra", [{"SLACKBRIDGE_LISTEN_CHANNEL": "C0LISTEN"}])
def test_a_bad_post_never_blocks_keyword_listening(any_bridge: Bridge) -> None:
    bridge = any_bridge
    answer = bridge.driver.command(MANAGER, "/tweetcare", 'listen add "blender"', channel=CHANNEL)
    wait_for(lambda: bridge.slack.responses(answer.response_name), what="the query added")
    bridge.x.add_tweet("fan_one", "my blender is loud")
    bridge.x.add_user("u" * 40, "N" * 300)
    bad = bridge.x.add_tweet("u" * 40, "my blender\x00 ate half \ud83d an emoji")
    bridge.x.add_tweet("fan_two", "my blender is quiet")

    assert bridge.runtime.listen_round() == 3

    shown = [message_text(m) for m in bridge.slack.messages("C0LISTEN")]
    assert len(shown) == 3 and any("is loud" in t for t in shown) and any("is quiet" in t for t in shown)
    with Session(bridge.services.deps.engine) as session:
        stored = session.get(Tweet, bad)
        assert stored is not None and stored.text == "my blender ate half \ufffd an emoji"


def test_a_busy_store_is_not_mistaken_for_a_bad_post(db_url: str) -> None:
    engine = make_engine(db_url)
    author = XUser(id="7", username="jane", name="Jane")
    moment = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    post = XTweet(
        id="101", text="fine", author_id="7", conversation_id="101", created_at=moment, author=author
    )
    blocker = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    blocker.execute("BEGIN IMMEDIATE")  # another process is writing
    with Session(engine) as session:
        session.connection().exec_driver_sql("PRAGMA busy_timeout=50")
        with pytest.raises(OperationalError):
            store_tweets(session, [post], TweetSource.MENTION, brand_id="1")
    blocker.rollback()
    blocker.close()
    with Session(engine) as session:  # the next round stores it in full, nothing was skipped or cut
        assert store_tweets(session, [post], TweetSource.MENTION, brand_id="1") == ["101"]
        session.commit()
    with Session(engine) as session:
        stored = session.get(Tweet, "101")
        assert stored is not None and stored.text == "fine"
    engine.dispose()
