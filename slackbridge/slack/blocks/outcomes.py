"""The "Resolve as…" picker on the case card and the outcome labels; pure Block Kit."""

from __future__ import annotations

from slackbridge.models import CaseOutcome
from slackbridge.slack.blocks.common import Block, plain
from slackbridge.slack.ids import ActionId

OUTCOME_LABELS = {
    CaseOutcome.SOLVED: "Solved",
    CaseOutcome.MOVED_TO_DM: "Moved to DM",
    CaseOutcome.NO_ACTION: "No action needed",
    CaseOutcome.CANT_HELP: "Can't help",
    CaseOutcome.SPAM: "Spam",
}


def outcome_label(outcome: str | None) -> str:
    """The outcome in words; cases resolved before outcomes were asked for have none."""
    if outcome is None:
        return "no outcome given"
    try:
        return OUTCOME_LABELS[CaseOutcome(outcome)]
    except ValueError:
        return outcome


def outcome_select() -> Block:
    """A static_select whose option values are outcomes; the case comes from the block id."""
    return {
        "type": "static_select",
        "action_id": ActionId.RESOLVE_AS.value,
        "placeholder": plain("Resolve as…"),
        "options": [
            {"text": plain(label), "value": outcome.value} for outcome, label in OUTCOME_LABELS.items()
        ],
    }
