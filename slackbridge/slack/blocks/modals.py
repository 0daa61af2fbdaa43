"""Modals for writing and editing a reply draft."""

from __future__ import annotations

from typing import Any

from slackbridge.slack.blocks.common import context, plain, quote_block, section
from slackbridge.slack.ids import DRAFT_INPUT, BlockId, CallbackId, Ref, encode_ref
from slackbridge.text import TWEET_LIMIT, escape_mrkdwn

INPUT_MAX = 3000  # Slack's own cap; X's weighted limit is checked on submit, with the count shown


def draft_input(initial: str | None, *, label: str | None = None) -> dict[str, Any]:
    """The draft's text box; `label` for a DM, whose limit is not X's post limit."""
    block = _text_input(initial)
    if label:
        block["label"] = plain(label)
    return block


def _text_input(initial: str | None) -> dict[str, Any]:
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
        "block_id": BlockId.DRAFT_TEXT.value,
        "label": plain(f"Reply (up to {TWEET_LIMIT} characters as X counts them)"),
        "element": element,
    }


def build_new_draft_modal(case_id: int, tweet_id: str, tweet_text: str, username: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CallbackId.NEW_DRAFT.value,
        "private_metadata": encode_ref(Ref(case_id=case_id, extra=tweet_id)),
        "title": plain("Reply on X"),
        "submit": plain("Save draft"),
        "close": plain("Cancel"),
        "blocks": [
            section(f"Replying to *@{escape_mrkdwn(username)}*:"),
            quote_block(tweet_text[:1500]),
            _text_input(None),
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
