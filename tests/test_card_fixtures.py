"""Each X payload shape has a named fixture; the Slack message rendered from it is checked exactly.

Set UPDATE_GOLDEN=1 to rewrite tests/fixtures/cards/ after an intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slackbridge.slack.blocks.card import (
    AuthorView,
    CardView,
    TweetView,
    build_case_card,
    build_degraded_card,
    build_followup,
    fallback_text,
)
from slackbridge.testing.fake_slack import find_button
from slackbridge.testing.fake_slack.blockkit import validate_blocks
from slackbridge.x.client import parse_page
from tests.safety import assert_cannot_ping, assert_literal, shown_as

FIXTURES = Path(__file__).parent / "fixtures"
SHAPES = sorted(p.stem for p in (FIXTURES / "x").glob("*.json"))


def _render(name: str) -> list[dict]:
    page = parse_page(json.loads((FIXTURES / "x" / f"{name}.json").read_text()))
    [tweet] = page.tweets
    assert tweet.author is not None
    view = TweetView(
        id=tweet.id,
        text=tweet.text,
        created_at=tweet.created_at,
        author=AuthorView(
            username=tweet.author.username,
            name=tweet.author.name,
            followers_count=tweet.author.followers_count,
            verified=tweet.author.verified,
        ),
    )
    if tweet.in_reply_to_tweet_id:
        return build_followup(7, view)
    return build_case_card(
        CardView(case_id=7, status="open", tweet=view, category="complaint", urgency="normal")
    )


@pytest.mark.parametrize("name", SHAPES)
def test_rendered_message_matches_golden(name: str) -> None:
    golden = FIXTURES / "cards" / f"{name}.json"
    rendered = _render(name)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no golden for {name}: run with UPDATE_GOLDEN=1 and review it"
    assert rendered == json.loads(golden.read_text())


def test_no_fixture_lets_customer_text_ping_link_or_format() -> None:
    for name in SHAPES:
        assert_cannot_ping(
            {"blocks": _render(name)}, ["<!channel>", "<!here>", "<@U0ADMIN>", "<https://evil", "*urgent*"]
        )


def _card_view(name: str) -> CardView:
    page = parse_page(json.loads((FIXTURES / "x" / f"{name}.json").read_text()))
    [tweet] = page.tweets
    assert tweet.author is not None
    author = AuthorView(username=tweet.author.username, name=tweet.author.name)
    view = TweetView(id=tweet.id, text=tweet.text, created_at=tweet.created_at, author=author)
    return CardView(case_id=7, status="open", tweet=view)


def test_hostile_display_name_renders_literally_in_card_and_fallback() -> None:
    view = _card_view("mention_hostile_name")
    name = "*Support*_team_ ~official~ `admin` > <https://evil.example|Acme>"
    author = build_case_card(view)[0]["text"]["text"]
    assert author.startswith("*") and author.endswith(" · <https://x.com/support_team|@support_team>")
    assert_literal(author[1 : author.index("* · ")], name)
    fallback = fallback_text(view)
    prefix = "New X post from @"
    assert fallback.startswith(prefix)
    assert shown_as(fallback[len(prefix) :]).startswith("support_team: @acme ```")
    assert_cannot_ping({"text": fallback, "blocks": []}, ["<https://evil", "<mailto:"])


def test_poison_post_is_cleaned_before_it_reaches_a_card() -> None:
    view = _card_view("mention_poison")
    assert "\ufffd" in view.tweet.text and "\x00" not in view.tweet.text and "\x07" not in view.tweet.text
    view.tweet.text.encode("utf-8")
    view.tweet.author.name.encode("utf-8")
    assert "\u202e" not in build_case_card(view)[0]["text"]["text"]  # no reversing the trusted line


@pytest.mark.parametrize("name", SHAPES)
def test_degraded_card_is_valid_block_kit_and_safe(name: str) -> None:
    view = _card_view(name)
    blocks = build_degraded_card(view)
    assert validate_blocks(blocks) == []
    assert len(blocks) <= 5
    message = {"text": fallback_text(view), "blocks": blocks}
    assert_cannot_ping(message, ["<!channel>", "<!here>", "<@U0ADMIN>", "<https://evil", "*urgent*"])
    assert find_button(message, "case_write_reply")
