"""One bad post never stops ingest: each is fed between two normal ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from slackbridge.db import make_engine, upgrade
from slackbridge.models import Cursor, Customer, Draft, Tweet
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, Bridge, RunningBridge, wait_for
from tests.safety import assert_cannot_ping


@pytest.fixture(params=["sqlite", "postgresql"])
def any_bridge(
    request: pytest.FixtureRequest, fakes: tuple[FakeSlack, FakeX], db_url: str
) -> Iterator[Bridge]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    if request.param != "sqlite":
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    running = RunningBridge(*fakes, url, {})
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
