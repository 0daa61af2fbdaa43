"""Text rules: escaping for Slack, Slack-to-plain conversion, X's weighted counting, post references."""

from __future__ import annotations

import pytest

from slackbridge.slack.ids import Ref, decode_ref, encode_ref
from slackbridge.text import check_tweet_text, escape_mrkdwn, parse_tweet_ref, slack_to_plain, weighted_length


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> hi", "&lt;!channel&gt; hi"),
        ("<@U123> & <#C1|general>", "&lt;@U123&gt; &amp; &lt;#C1|general&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("&amp; already", "&amp;amp; already"),
    ],
)
def test_escape_mrkdwn_neutralises_every_control_sequence(raw: str, escaped: str) -> None:
    assert escape_mrkdwn(raw) == escaped


def test_slack_to_plain() -> None:
    names = {"U1": "maria"}
    text = (
        "Hi <@U1>, <@U2|bob> see <https://a.test/x|the guide> or <mailto:a@b.test|mail> &amp; <!here> &lt;3"
    )
    assert slack_to_plain(text, names.get) == "Hi maria, bob see https://a.test/x or a@b.test & here <3"
    assert slack_to_plain("<@U9>", names.get) == "a colleague"


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello", 5),
        ("https://example.com/" + "a" * 100, 23),
        ("👍", 2),
        ("日本語", 6),
        ("e\u0301", 1),  # NFC: é
    ],
)
def test_weighted_length_counts_like_x(text: str, length: int) -> None:
    assert weighted_length(text) == length


def test_check_tweet_text_names_count_and_limit() -> None:
    assert check_tweet_text("ok").ok
    over = check_tweet_text("a" * 290)
    assert not over.ok and "290/280" in (over.problem or "")
    assert "empty" in (check_tweet_text("  \n").problem or "")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("1800000000000000001", "1800000000000000001"),
        ("https://x.com/jane/status/123?s=20", "123"),
        ("<https://twitter.com/jane/status/456>", "456"),
        ("https://mobile.twitter.com/i/web/status/789", "789"),
        ("https://evil.example/jane/status/1", None),
        ("not a tweet", None),
    ],
)
def test_parse_tweet_ref(ref: str, expected: str | None) -> None:
    assert parse_tweet_ref(ref) == expected


def test_button_refs_round_trip_and_reject_foreign_values() -> None:
    ref = Ref(case_id=3, draft_id=7, version=2, extra="1800")
    assert decode_ref(encode_ref(ref)) == ref
    for bad in ["", "{", "[]", '{"d": "7"}', '{"d": -1}', '{"d": true}', "{}"]:
        with pytest.raises(ValueError):
            decode_ref(bad)
