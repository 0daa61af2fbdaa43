"""Action and callback ids, and the one encoding of button values."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass


class ActionId(enum.StrEnum):
    WRITE_REPLY = "case_write_reply"
    SUGGEST = "case_suggest"
    SUGGEST_RETRY = "case_suggest_retry"
    RESOLVE = "case_resolve"
    REOPEN = "case_reopen"
    ASSIGN = "case_assign"
    CATEGORY = "case_category"
    TRACK = "case_track"
    OPEN_ON_X = "open_on_x"  # a link button: Slack still sends the click, which must be acknowledged
    APPROVE = "draft_approve"
    EDIT = "draft_edit"
    DISCARD = "draft_discard"
    RETRY = "draft_retry"
    HOME_REFRESH = "home_refresh"
    # service levels
    SNOOZE = "case_snooze"
    # approval turns
    FOLLOW_UP = "draft_follow_up"
    REQUEST_CHANGES = "draft_request_changes"
    # team: ownership and saved replies
    ASSIGN_TO = "case_assign_to"
    UNASSIGN = "case_unassign"
    TAKE_OVER = "case_take_over"
    SAVED_REPLY = "draft_saved_reply"
    # outcomes
    RESOLVE_AS = "case_resolve_as"  # the outcome picker; RESOLVE stays for cards posted before it
    # Direct messages (issue 8)
    CONTINUE_IN_DM = "case_continue_in_dm"


class CallbackId(enum.StrEnum):
    NEW_DRAFT = "draft_new"
    EDIT_DRAFT = "draft_edit"
    # service levels
    SNOOZE = "case_snooze"
    # approval turns
    REQUEST_CHANGES = "draft_request_changes"
    # Direct messages (issue 8)
    FIRST_DM = "dm_first"


class BlockId(enum.StrEnum):
    DRAFT_TEXT = "draft_text"
    # service levels
    SNOOZE_UNTIL = "snooze_until"
    # approval turns
    CHANGES_REASON = "changes_reason"


DRAFT_INPUT = "text"  # action_id of the text input inside the draft modals
REASON_INPUT = "reason"  # action_id of the reason input in the request-changes modal
# Ids are INTEGER columns (PostgreSQL: 4 bytes): a larger number cannot be ours, so it is refused here
# rather than by a database error after the acknowledgement.
MAX_ID = 2**31 - 1
CASE_BLOCK = "case"  # block_id "case:<id>" of a card's actions block (the category picker reads it)
SAVED_BLOCK = "saved_reply"  # the reply window's saved-reply picker
OWNER_BLOCK = "owner"  # block_id "owner:<case id>:<owner shown>" of a card's assignee picker


@dataclass(frozen=True)
class Ref:
    """What a button or modal points at: a case or a draft (with the version the user saw)."""

    case_id: int | None = None
    draft_id: int | None = None
    version: int | None = None
    extra: str | None = None


def encode_ref(ref: Ref) -> str:
    data = {"c": ref.case_id, "d": ref.draft_id, "v": ref.version, "x": ref.extra}
    return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))


def decode_ref(value: str | None) -> Ref:
    """Parse a button value or private_metadata; ValueError for anything we did not write."""
    if not value:
        raise ValueError("empty reference")
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError("malformed reference") from exc
    if not isinstance(data, dict):
        raise ValueError("malformed reference")

    def as_int(key: str) -> int | None:
        item = data.get(key)
        if item is None:
            return None
        if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item <= MAX_ID:
            raise ValueError(f"bad {key} in reference")
        return item

    extra = data.get("x")
    if extra is not None and not isinstance(extra, str):
        raise ValueError("bad extra in reference")
    ref = Ref(case_id=as_int("c"), draft_id=as_int("d"), version=as_int("v"), extra=extra)
    if ref.case_id is None and ref.draft_id is None and ref.extra is None:
        raise ValueError("reference points at nothing")
    if ref.draft_id is not None and ref.version is None:
        # Every draft button and window we write carries the version the person saw; without it an
        # approval would skip the check that the text did not change meanwhile.
        raise ValueError("draft reference without a version")
    return ref


def case_block_id(case_id: int) -> str:
    return f"{CASE_BLOCK}:{case_id}"


def decode_case_block(block_id: str | None) -> int | None:
    """The case behind a card's actions block id, or None for anything we did not write."""
    prefix, _, number = str(block_id or "").partition(":")
    if prefix != CASE_BLOCK or not number.isascii() or not number.isdigit():
        return None
    case_id = int(number)
    return case_id if case_id <= MAX_ID else None


def decode_owner_block(block_id: str | None) -> tuple[int, str | None] | None:
    """The case and the owner shown behind an assignee picker's block id; None for anything else."""
    prefix, _, rest = str(block_id or "").partition(":")
    number, _, seen = rest.partition(":")
    if prefix != OWNER_BLOCK or not number.isascii() or not number.isdigit() or int(number) > MAX_ID:
        return None
    return int(number), seen or None
