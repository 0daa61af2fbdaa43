"""Modals for writing and editing a reply draft."""

from __future__ import annotations

from typing import Any

from slackbridge.slack.blocks.common import context, plain, quote_block, section
from slackbridge.slack.ids import (
    DRAFT_INPUT,
    REASON_INPUT,
    SAVED_BLOCK,
    ActionId,
    BlockId,
    CallbackId,
    Ref,
    encode_ref,
)
from slackbridge.text import TWEET_LIMIT, escape_mrkdwn

INPUT_MAX = 3000  # Slack's own cap; X's weighted limit is checked on submit, with the count shown


def draft_input(initial: str | None, *, label: str | None = None) -> dict[str, Any]:
    """The draft's text box; `label` for a DM, whose limit is not X's post limit."""
    block = _text_input(initial)
    if label:
        block["label"] = plain(label)
    return block


def _text_input(initial: str | None, block_id: str = BlockId.DRAFT_TEXT.value) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": DRAFT_INPUT,
        "multiline": True,
        "max_length": INPUT_MAX,
        "placeholder": plain("Write as a helpful person would: acknowledge, help, no sales pitch."),
    }
    if initial:
        element["initial_value"] = initial[:INPUT_MAX]
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(f"Reply (up to {TWEET_LIMIT} characters as X counts them)"),
        "element": element,
    }


def _saved_picker(saved: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """A saved-reply picker; picking one fills the reply box (the text box gets a new block id, the only
    way Slack replaces what is typed in an input)."""
    if not saved:
        return []
    options = [{"text": plain(title[:75]), "value": str(saved_id)} for saved_id, title in saved[:100]]
    element = {
        "type": "static_select",
        "action_id": ActionId.SAVED_REPLY.value,
        "placeholder": plain("Start from a saved reply"),
        "options": options,
    }
    return [{"type": "actions", "block_id": SAVED_BLOCK, "elements": [element]}]


def build_new_draft_modal(
    case_id: int,
    tweet_id: str,
    tweet_text: str,
    username: str,
    *,
    writing: str | None = None,
    saved: list[tuple[int, str]] | None = None,
    filled: tuple[int, str, str] | None = None,  # (saved id, filled text, its check) after a pick
) -> dict[str, Any]:
    """The reply window; warns when someone else is writing on the case and offers the saved replies."""
    warning = [context(f":warning: <@{writing}> is writing a reply to this case.")] if writing else []
    box = _text_input(filled[1], f"{BlockId.DRAFT_TEXT.value}:{filled[0]}") if filled else _text_input(None)
    checked = [context(escape_mrkdwn(filled[2]))] if filled and filled[2] else []
    return {
        "type": "modal",
        "callback_id": CallbackId.NEW_DRAFT.value,
        "private_metadata": encode_ref(Ref(case_id=case_id, extra=tweet_id)),
        "title": plain("Reply on X"),
        "submit": plain("Save draft"),
        "close": plain("Cancel"),
        "blocks": [
            *warning,
            section(f"Replying to *@{escape_mrkdwn(username)}*:"),
            quote_block(tweet_text[:1500]),
            *_saved_picker(saved or []),
            box,
            *checked,
            context("The draft goes to the thread; an approver posts it on X."),
        ],
    }


def build_edit_draft_modal(draft_id: int, version: int, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CallbackId.EDIT_DRAFT.value,
        "private_metadata": encode_ref(Ref(draft_id=draft_id, version=version)),
        "title": plain("Edit reply draft"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            _text_input(text),
            context("Saving an edit resets any approval: an approver must approve the new text."),
        ],
    }


def build_notice_modal(title: str, text: str) -> dict[str, Any]:
    return {"type": "modal", "title": plain(title[:24]), "close": plain("Close"), "blocks": [section(text)]}


REASON_MAX = 300


def build_request_changes_modal(draft_id: int, version: int) -> dict[str, Any]:
    """Ask an approver what should change; the reason is shown on the draft and sent to its writer."""
    return {
        "type": "modal",
        "callback_id": CallbackId.REQUEST_CHANGES.value,
        "private_metadata": encode_ref(Ref(draft_id=draft_id, version=version)),
        "title": plain("Request changes"),
        "submit": plain("Send back"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": BlockId.CHANGES_REASON.value,
                "label": plain("What should change?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": REASON_MAX,
                    "placeholder": plain("e.g. Offer the refund link instead of asking for a DM."),
                },
            },
            context("The draft leaves the approval queue until its writer edits it."),
        ],
    }
