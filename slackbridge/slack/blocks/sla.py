"""Service levels in Slack: the card's clock line with its snooze menu, the thread's reminder and escalation,
and the custom snooze modal. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slackbridge.slack.blocks.common import Block, context, plain, section, slack_date
from slackbridge.slack.ids import ActionId, BlockId, CallbackId, Ref, encode_ref

STATE_LABELS = {
    None: ":large_green_circle: on time",
    "soon": ":large_yellow_circle: due soon",
    "breached": ":red_circle: *breached*",
}
SNOOZE_1H = "1h"
SNOOZE_TOMORROW = "tomorrow"
SNOOZE_CUSTOM = "custom"
UNSNOOZE = "unsnooze"
SNOOZE_INPUT = "until"  # action_id of the datetimepicker in the snooze modal


@dataclass(frozen=True)
class ClockView:
    """What a card shows of its case's clock."""

    due_at: datetime
    state: str | None = None  # None: on time
    snoozed_until: datetime | None = None
    snoozed_by: str | None = None


def _option(label: str, case_id: int, choice: str) -> dict[str, Any]:
    return {"text": plain(label), "value": encode_ref(Ref(case_id=case_id, extra=choice))}


def clock_line(clock: ClockView) -> str:
    text = f":stopwatch: Due {slack_date(clock.due_at)} · {STATE_LABELS.get(clock.state, clock.state)}"
    if clock.snoozed_until:
        who = f" by <@{clock.snoozed_by}>" if clock.snoozed_by else ""
        text += f" · :zzz: reminders snoozed{who} until {slack_date(clock.snoozed_until)}"
    return text


def build_clock_block(case_id: int, clock: ClockView) -> Block:
    """One section: the due time and state, with the snooze menu beside it."""
    options = [
        _option("Snooze 1 hour", case_id, SNOOZE_1H),
        _option("Snooze until tomorrow 9:00", case_id, SNOOZE_TOMORROW),
        _option("Snooze until…", case_id, SNOOZE_CUSTOM),
    ]
    if clock.snoozed_until:
        options.append(_option("Unsnooze", case_id, UNSNOOZE))
    menu = {"type": "overflow", "action_id": ActionId.SNOOZE.value, "options": options}
    return section(clock_line(clock), block_id=f"clock:{case_id}", accessory=menu)


def build_reminder(case_id: int, who: str, due_at: datetime, target: str | None) -> tuple[str, list[Block]]:
    """The 75 % reminder in the thread; `who` is a mention of the owner (or the channel)."""
    of = f" ({target} target)" if target else ""
    text = f":hourglass_flowing_sand: {who} case #{case_id} is due soon: {slack_date(due_at)}{of}."
    return f"Case #{case_id} is due soon", [section(text)]


def build_escalation(case_id: int, who: str, due_at: datetime, target: str | None) -> tuple[str, list[Block]]:
    """The breach notice in the thread, mentioning whoever escalations go to."""
    of = f" its {target} target" if target else " its target"
    text = f":rotating_light: {who} case #{case_id} breached{of}: it was due {slack_date(due_at)}."
    return f"Case #{case_id} breached its service level", [
        section(text),
        context("It now leads `/tweetcare queue` and the Home tab until someone answers."),
    ]


def build_snooze_modal(case_id: int, initial: datetime) -> dict[str, Any]:
    """Snooze a case's reminders until a chosen moment (Slack shows the picker in the reader's zone)."""
    return {
        "type": "modal",
        "callback_id": CallbackId.SNOOZE.value,
        "private_metadata": encode_ref(Ref(case_id=case_id)),
        "title": plain("Snooze reminders"),
        "submit": plain("Snooze"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": BlockId.SNOOZE_UNTIL.value,
                "label": plain(f"Pause case #{case_id}'s reminders until"),
                "element": {
                    "type": "datetimepicker",
                    "action_id": SNOOZE_INPUT,
                    "initial_date_time": int(initial.timestamp()),
                },
            }
        ],
    }
