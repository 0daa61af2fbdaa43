"""The category picker on the case card; pure Block Kit."""

from __future__ import annotations

from slackbridge.slack.blocks.common import Block, plain
from slackbridge.slack.ids import ActionId
from slackbridge.triage.types import Category


def category_select(current: str | None) -> Block:
    """A static_select whose option values are category names; the case comes from the block id."""
    options = [{"text": plain(c.value.capitalize()), "value": c.value} for c in Category]
    element: Block = {
        "type": "static_select",
        "action_id": ActionId.CATEGORY.value,
        "placeholder": plain("Category"),
        "options": options,
    }
    chosen = next((o for o in options if o["value"] == current), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element
