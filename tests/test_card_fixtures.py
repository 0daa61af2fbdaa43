"""Each X payload shape has a named fixture; the Slack message rendered from it is checked exactly.

Set UPDATE_GOLDEN=1 to rewrite tests/fixtures/cards/ after an intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slackbridge.slack.blocks.card import AuthorView, CardView, TweetView, build_case_card, build_followup
from slackbridge.x.client import parse_page
from tests.safety import assert_cannot_ping

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
