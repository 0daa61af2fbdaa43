"""Small Block Kit pieces shared by every builder; pure functions, no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slackbridge.slack.ids import ActionId, Ref, encode_ref
from slackbridge.text import escape_link_label, escape_link_url, truncate

Block = dict[str, Any]

SECTION_LIMIT = 3000


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate_mrkdwn(text, SECTION_LIMIT), "verbatim": True}


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Shorten mrkdwn without cutting a <…> token (an escape, link or mention) in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut + "…"


def plain(text: str, *, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*parts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(p) for p in parts if p][:10]}


RICH_TEXT_LIMIT = 4000


def quote_block(untrusted: str) -> Block:
    """Untrusted text (a tweet, a draft) shown exactly as written.

    A rich_text `text` element is literal: Slack parses no mrkdwn, mentions or links in it, so customer
    text can neither ping (`<!channel>`, `<@U…>`), nor link (`<url|label>`), nor format (`*bold*`).
    """
    text = truncate(untrusted.strip(), RICH_TEXT_LIMIT) or "(empty)"
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_quote", "elements": [{"type": "text", "text": text}]}],
    }


def button(
    label: str,
    action: ActionId,
    ref: Ref | None = None,
    *,
    style: str | None = None,
    url: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(label), "action_id": action.value}
    if ref is not None:
        element["value"] = encode_ref(ref)
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str = "Cancel") -> Block:
    return {
        "title": plain(truncate(title, 100)),
        "text": mrkdwn(truncate(text, 300)),
        "confirm": plain(yes),
        "deny": plain(no),
    }


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)[:25]}


def slack_date(moment: datetime) -> str:
    """A time every reader sees in their own time zone."""
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{fallback}>"


def link(url: str, label: str) -> str:
    return f"<{escape_link_url(url)}|{escape_link_label(label)}>"


def user(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "someone"
