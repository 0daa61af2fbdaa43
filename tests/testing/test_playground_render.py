"""The playground prints Slack messages as Slack displays them, never as mrkdwn or Block Kit markup."""

from __future__ import annotations

from datetime import datetime

from slackbridge.testing.playground import as_seen, mrkdwn_to_text
from slackbridge.testing.playground.render import format_date
from slackbridge.text import escape_mrkdwn

NAMES = {"UAGENT": "alex", "S0LEADS": "leads"}


def name(user_id: str) -> str:
    return NAMES.get(user_id, user_id)


def test_mentions_links_channels_and_formatting_read_as_text() -> None:
    text = (
        "*Draft #2* by <@UAGENT> for <!subteam^S0LEADS> in <#C0XCARE|x-care> · "
        "<https://x.com/j|View on X> &amp; <https://a.example>"
    )
    assert (
        mrkdwn_to_text(text, name)
        == "Draft #2 by @alex for @leads in #x-care · View on X & https://a.example"
    )
    assert mrkdwn_to_text(":warning: _soon_ ~old~ `code`\n>quoted", name) == "⚠️ soon old code\n│ quoted"


def test_customer_text_escaped_for_slack_reads_back_exactly() -> None:
    raw = "*not bold* <@U123> & <https://evil.example|click> _x_ > quote"
    assert mrkdwn_to_text(escape_mrkdwn(raw), name) == raw


def test_dates_use_slack_tokens_in_local_time_and_fall_back_like_slack() -> None:
    stamp = int(datetime(2026, 11, 23, 14, 45).astimezone().timestamp())
    now = datetime(2026, 11, 29, 9, 0).astimezone()
    assert format_date(stamp, "{date_short_pretty} at {time}", now) == "Nov 23 at 14:45"
    assert format_date(stamp, "{date_num}", now) == "2026-11-23"
    assert format_date(stamp, "{nonsense}", now) is None
    assert mrkdwn_to_text("<!date^oops^{time}|fallback text>", name) == "fallback text"


def test_blocks_list_buttons_and_pickers_as_a_person_sees_them() -> None:
    message = {
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Case #1*"}},
            {
                "type": "rich_text",
                "elements": [{"type": "rich_text_quote", "elements": [{"type": "text", "text": "a\nb"}]}],
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "one"}, {"type": "mrkdwn", "text": "two"}],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Approve & send"},
                        "value": "{}",
                    },
                    {
                        "type": "static_select",
                        "placeholder": {"type": "plain_text", "text": "Category"},
                        "initial_option": {"text": {"type": "plain_text", "text": "Lead"}, "value": "lead"},
                    },
                ],
            },
        ]
    }
    assert as_seen(message, name) == "Case #1\n│ a\n│ b\none · two\n[Approve & send] [Category: Lead ▾]"
