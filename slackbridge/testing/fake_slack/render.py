"""Rendering helpers for assertions: what a person sees in a message, and finding its buttons."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slackbridge.testing.fake_slack.records import Json

_HIDDEN_KEYS = frozenset({"options", "option_groups", "confirm", "action_id", "block_id", "value", "url"})
_RICH_CONTAINERS = frozenset({"rich_text_section", "rich_text_preformatted", "rich_text_quote"})


def _rich_leaf(el: Json) -> str:
    kind = el.get("type")
    if kind == "text":
        return str(el.get("text", ""))
    if kind == "link":
        return str(el.get("text") or el.get("url", ""))
    if kind == "user":
        return f"<@{el.get('user_id', '')}>"
    if kind == "channel":
        return f"<#{el.get('channel_id', '')}>"
    if kind == "emoji":
        return f":{el.get('name', '')}:"
    if kind == "usergroup":
        return f"<!subteam^{el.get('usergroup_id', '')}>"
    return ""


def _collect_text(node: Any, out: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_text(item, out)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
        out.append(node["text"])
        return
    if kind in _RICH_CONTAINERS:
        out.append("".join(_rich_leaf(el) for el in node.get("elements", []) if isinstance(el, dict)))
        return
    for key, value in node.items():
        if key not in _HIDDEN_KEYS:
            _collect_text(value, out)


def message_text(message: Json) -> str:
    """Flatten what a person sees in a message or view (block texts, fields, context, buttons) to one string.

    Falls back to the message's ``text`` when it has no blocks.
    """
    blocks = message.get("blocks")
    if not blocks:
        return str(message.get("text", ""))
    out: list[str] = []
    _collect_text(blocks, out)
    return "\n".join(part for part in out if part)


def _iter_elements(node: Any) -> Iterator[Json]:
    if isinstance(node, list):
        for item in node:
            yield from _iter_elements(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _iter_elements(value)


def find_button(message: Json, action_id: str) -> Json:
    """Return the button element with ``action_id`` in a message or view; LookupError lists the others."""
    buttons = [el for el in _iter_elements(message.get("blocks", [])) if el.get("type") == "button"]
    for button in buttons:
        if button.get("action_id") == action_id:
            return button
    found = [b.get("action_id") for b in buttons]
    raise LookupError(f"no button with action_id {action_id!r}; buttons present: {found}")
