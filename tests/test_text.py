"""Text rules: escaping for Slack, Slack-to-plain conversion, X's weighted counting, post references."""

from __future__ import annotations

import pytest

from slackbridge.slack.blocks.common import link, truncate_mrkdwn
from slackbridge.slack.ids import Ref, decode_ref, encode_ref
from slackbridge.text import (
    check_tweet_text,
    clean_text,
    escape_code,
    escape_mrkdwn,
    parse_tweet_ref,
    slack_to_plain,
    weighted_length,
)
from tests.safety import assert_literal


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


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("half an emoji \ud83d here", "half an emoji \ufffd here"),
        ("\ude00 low half first", "\ufffd low half first"),
        ("a pair split in two \ud83d\ude00", "a pair split in two 😀"),
        ("NUL\x00 and bell\x07 and DEL\x7f", "NUL and bell and DEL"),
        ("tabs\tand\nnewlines stay", "tabs\tand\nnewlines stay"),
        ("windows\r\nand old mac\rline ends", "windows\nand old mac\nline ends"),
        ("\u202eRTL and zero\u200bwidth are text", "\u202eRTL and zero\u200bwidth are text"),
        (None, ""),
        (12345, "12345"),
    ],
)
def test_clean_text_makes_any_input_storable(raw: object, clean: str) -> None:
    cleaned = clean_text(raw)
    assert cleaned == clean
    cleaned.encode("utf-8")  # what both databases need


def test_clean_text_fits_a_column_and_says_it_was_cut() -> None:
    assert clean_text("x" * 300, 200) == "x" * 199 + "…"
    assert len(clean_text("n\x00" * 300, 200)) == 200
    assert clean_text("short", 200) == "short"
    assert clean_text("a" * 40, 32, marker="") == "a" * 32


@pytest.mark.parametrize(
    "hostile",
    [
        "*Support*_team_",
        "~strike~ `code` ```fence```",
        "> a quote\n  > another",
        "<!channel> <!here> <@U0ADMIN> <#C1> <!subteam^S1>",
        "<https://evil.example|Acme support> & &amp;",
        "\u202eevil\u202c",
    ],
)
def test_escape_mrkdwn_shows_customer_text_literally(hostile: str) -> None:
    escaped = escape_mrkdwn(hostile)
    assert_literal(escaped, hostile.replace("\u202e", "").replace("\u202c", ""))


def test_escape_mrkdwn_cleans_what_it_escapes() -> None:
    assert escape_mrkdwn("bad \ud83d\x00half") == "bad \ufffdhalf"


def test_links_cannot_be_broken_by_hostile_handles_or_labels() -> None:
    rendered = link("https://x.com/a>b|c <!channel>", "@a|*b*`c`\n<!here>")
    assert rendered.count("<") == 1 and rendered.count(">") == 1 and rendered.count("|") == 1
    assert rendered.startswith("<https://x.com/a%3Eb%7Cc%20%3C!channel%3E|")


def test_truncated_mrkdwn_never_cuts_a_token_in_half() -> None:
    escaped = escape_mrkdwn("*" * 200)
    cut = truncate_mrkdwn(escaped, 100)
    assert len(cut) <= 100 and cut.endswith("…")
    assert cut[:-1].count("<") == cut[:-1].count(">")


def test_escape_code_keeps_a_code_span_closed_and_silent() -> None:
    escaped = escape_code("from:acme_support `x` <!channel>")
    assert escaped == "from:acme_support \u02cbx\u02cb &lt;!channel&gt;"
