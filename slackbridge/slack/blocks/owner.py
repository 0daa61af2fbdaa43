"""The card's ownership controls: the buttons that fit who has the case, and a picker to hand it over."""

from __future__ import annotations

from slackbridge.slack.blocks.common import Block, actions, button, context, plain, user
from slackbridge.slack.ids import OWNER_BLOCK, ActionId, Ref


def owner_buttons(case_id: int, assignee: str | None) -> list[Block]:
    """Assign to me while nobody has it; Take over and Unassign once someone does (from that owner)."""
    if assignee is None:
        return [button("Assign to me", ActionId.ASSIGN, Ref(case_id=case_id))]
    seen = Ref(case_id=case_id, extra=assignee)
    return [button("Take over", ActionId.TAKE_OVER, seen), button("Unassign", ActionId.UNASSIGN, seen)]


def owner_picker(case_id: int, assignee: str | None) -> Block:
    """A users_select whose block id carries the case and the owner shown, so a stale pick cannot win."""
    element: Block = {
        "type": "users_select",
        "action_id": ActionId.ASSIGN_TO.value,
        "placeholder": plain("Assign to…"),
    }
    if assignee:
        element["initial_user"] = assignee
    return actions(f"{OWNER_BLOCK}:{case_id}:{assignee or ''}", element)


def writing_note(writer: str | None) -> list[Block]:
    return [context(f":pencil2: {user(writer)} is writing a reply")] if writer else []
