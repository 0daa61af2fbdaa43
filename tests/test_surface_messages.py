"""The surfaces' message builders: one Message(text, blocks), the notification text already escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from slackbridge.slack.blocks.card import AuthorView, CardView, TweetView
from slackbridge.slack.blocks.draft import DraftView
from slackbridge.slack.surfaces.cards import DELETED, card_message, followup_message
from slackbridge.slack.surfaces.drafts import draft_message

PING = "<!channel> <@U999> & <https://evil.example|click>"
TWEET = TweetView(
    id="1790000000000000001",
    text=PING,
    created_at=datetime(2026, 11, 29, 9, 0, tzinfo=UTC),
    author=AuthorView(username="jane_doe", name="Jane"),
)


def test_card_message_text_cannot_ping() -> None:
    message = card_message(CardView(case_id=3, status="open", tweet=TWEET))
    assert message.text.startswith("New X post from @")
    assert "<!channel>" not in message.text and "<@U999>" not in message.text
    assert "&lt;!channel&gt;" in message.text
    assert message.blocks[-1]["block_id"] == "case:3"


def test_followup_message_says_deleted_without_the_text() -> None:
    live = followup_message(3, TWEET)
    assert "<!channel>" not in live.text and live.text.startswith("Follow-up from @")
    gone = followup_message(3, TweetView(TWEET.id, DELETED, TWEET.created_at, TWEET.author))
    assert gone.text == "A post deleted on X"


def test_draft_message_text_cannot_ping_and_buttons_carry_the_version() -> None:
    view = DraftView(id=7, text=PING, length=40, status="pending", version=4, author_id="UAGENT")
    message = draft_message(view)
    assert "<!channel>" not in message.text and message.text.startswith("Reply draft #7 (pending): ")
    values = [e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert values and all('"v":4' in v for v in values)
