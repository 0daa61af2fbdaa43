"""What "customer text cannot ping, link or format" means for a rendered Slack message."""

from __future__ import annotations

import html
import re
from typing import Any

PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U", "<!subteam", "<http", "<mailto")


def parsed_texts(node: Any) -> list[str]:
    """Every string Slack parses as mrkdwn or plain_text (rich_text `text` leaves are literal)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            found.append(node["text"])
        if node.get("type") == "rich_text":
            return found
        for value in node.values():
            found.extend(parsed_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(parsed_texts(item))
    return found


def rich_text_leaf_types(node: Any) -> set[str]:
    kinds: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "rich_text":
            for section in node.get("elements", []):
                kinds |= {el.get("type") for el in section.get("elements", [])}
            return kinds
        for value in node.values():
            kinds |= rich_text_leaf_types(value)
    elif isinstance(node, list):
        for item in node:
            kinds |= rich_text_leaf_types(item)
    return kinds


def assert_cannot_ping(message: dict[str, Any], hostile: list[str]) -> None:
    """Hostile sequences appear only as literal rich text, never where Slack would parse them."""
    for text in [*parsed_texts(message.get("blocks", [])), message.get("text", "")]:
        for sequence in hostile:
            assert sequence not in text, (sequence, text)
    assert rich_text_leaf_types(message.get("blocks", [])) <= {"text"}


# How slackbridge shows a formatting character literally in mrkdwn (see text.escape_mrkdwn).
_LITERAL_TOKEN = re.compile(r"<!date\^0+\^\{_\}\|([^<>]*)>")
_QUOTE_AT_LINE_START = re.compile(r"(^|\n)[ \t]*&gt;")


def shown_as(escaped: str) -> str:
    """What Slack displays for escaped mrkdwn: literal tokens show their fallback, entities decode."""
    return html.unescape(_LITERAL_TOKEN.sub(lambda m: m.group(1), escaped)).replace("\u00ad", "")


def assert_literal(escaped: str, original: str) -> None:
    """`escaped` displays exactly `original` and nothing in it can format, quote, ping or link."""
    bare = _LITERAL_TOKEN.sub("", escaped)
    for control in ("*", "_", "~", "`", "<", ">"):
        assert control not in bare, (control, escaped)
    assert not _QUOTE_AT_LINE_START.search(bare), escaped
    assert shown_as(escaped) == original
