"""A reply draft as its own message in the thread; it shows its state and the buttons that state allows."""

from __future__ import annotations

from dataclasses import dataclass

from slackbridge.slack.blocks.common import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    link,
    quote_block,
    section,
    user,
)
from slackbridge.slack.ids import ActionId, Ref
from slackbridge.text import TWEET_LIMIT, escape_mrkdwn, escape_mrkdwn_keeping_dates, tweet_url


@dataclass(frozen=True)
class DraftView:
    id: int
    text: str
    length: int
    status: str
    version: int
    author_id: str
    origin: str = "human"
    ai_model: str | None = None
    notes: str | None = None
    edited_by: str | None = None
    approver_id: str | None = None
    sent_tweet_id: str | None = None
    brand_username: str | None = None
    customer_username: str | None = None
    last_error: str | None = None
    # approval turns
    followup: bool = False
    changes_requested_by: str | None = None
    changes_reason: str | None = None
    # Direct messages (issue 8)
    dm: bool = False  # a draft of a DM case: sent as a direct message
    limit: int = TWEET_LIMIT
    retry: bool = True  # False when X's refusal cannot change on a retry
    continue_in_dm: bool = False  # offered instead of Retry when X refused a public reply by its rule
    case_id: int | None = None


def _origin(view: DraftView) -> str:
    if view.origin == "ai":
        return f":robot_face: AI-suggested ({escape_mrkdwn(view.ai_model or 'model')})"
    if view.origin == "saved":
        return ":card_index: From saved replies"
    return f"by {user(view.author_id)}"


def draft_fallback(view: DraftView) -> str:
    return f"Reply draft #{view.id} ({view.status}): {escape_mrkdwn(view.text[:150])}"


def build_draft_message(view: DraftView) -> list[Block]:
    """The draft's message; buttons change with the status so a stale click is visible as such."""
    ref = Ref(draft_id=view.id, version=view.version)
    header = f"*Reply draft #{view.id}* {_origin(view)} · {view.length}/{view.limit}"
    if view.edited_by:
        header += f" · edited by {user(view.edited_by)}"
    blocks: list[Block] = [section(header), quote_block(view.text)]
    if view.notes:
        blocks.append(context(f":information_source: {escape_mrkdwn(view.notes)}"))
    target = f"@{view.customer_username}" if view.customer_username else "the customer"

    if view.status == "pending":
        if view.followup:
            blocks.append(
                context(
                    f":repeat: *This will be a second reply* to {escape_mrkdwn(target)}: another reply "
                    "already answered this post, and an approver re-opened this one as a follow-up."
                )
            )
        blocks.append(
            context(
                ":hourglass_flowing_sand: Waiting for an approver. "
                f"It will be posted on X as a reply to {escape_mrkdwn(target)}."
            )
        )
        blocks.append(
            actions(
                f"draft:{view.id}",
                button(
                    "Approve & send",
                    ActionId.APPROVE,
                    ref,
                    style="primary",
                    confirm=confirm_dialog(
                        "Post this reply on X?",
                        f"It will be posted publicly as a reply to {escape_mrkdwn(target)}.",
                        "Post on X",
                    ),
                ),
                button("Request changes", ActionId.REQUEST_CHANGES, ref),
                button("Edit", ActionId.EDIT, ref),
                button("Discard", ActionId.DISCARD, ref, style="danger"),
            )
        )
    elif view.status in ("superseded", "changes_requested"):
        blocks += turn_blocks(view, ref, target)
    elif view.status == "sending":
        blocks.append(context(f":outbox_tray: Approved by {user(view.approver_id)}; posting on X…"))
    elif view.status == "sent" and view.dm:
        blocks.append(
            context(
                f":white_check_mark: *Sent by DM* · written by {user(view.author_id)} · "
                f"approved by {user(view.approver_id)}"
            )
        )
    elif view.status == "sent":
        sent = ":white_check_mark: *Sent on X*"
        if view.sent_tweet_id:
            sent += " · " + link(tweet_url(view.brand_username, view.sent_tweet_id), "view the reply")
        blocks.append(
            context(f"{sent} · written by {user(view.author_id)} · approved by {user(view.approver_id)}")
        )
    elif view.status == "failed" and not view.retry:  # X's refusal is final: Retry would fail the same way
        error = escape_mrkdwn_keeping_dates(view.last_error or "X did not accept the reply.")
        blocks.append(section(f":warning: *Not posted.* {error}"))
        dead_end: list[Block] = []
        if view.continue_in_dm:
            dead_end.append(
                button("Continue in DM", ActionId.CONTINUE_IN_DM, Ref(case_id=view.case_id), style="primary")
            )
        dead_end.append(button("Edit", ActionId.EDIT, ref))
        dead_end.append(button("Discard", ActionId.DISCARD, ref, style="danger"))
        blocks.append(actions(f"draft:{view.id}", *dead_end))
    elif view.status == "failed":
        error = escape_mrkdwn_keeping_dates(view.last_error or "X did not accept the reply.")
        blocks.append(section(f":warning: *Not posted.* {error}"))
        retry = button(
            "Retry",
            ActionId.RETRY,
            ref,
            style="primary",
            confirm=confirm_dialog(
                "Try posting again?", "slackbridge checks X first, so it is never posted twice.", "Retry"
            ),
        )
        edit = button("Edit", ActionId.EDIT, ref)
        discard = button("Discard", ActionId.DISCARD, ref, style="danger")
        blocks.append(actions(f"draft:{view.id}", retry, edit, discard))
    elif view.status == "discarded":
        blocks.append(context(":wastebasket: Discarded; nothing was posted."))
    return blocks


def turn_blocks(view: DraftView, ref: Ref, target: str) -> list[Block]:
    """A draft closed by its turn's sent reply, or sent back to its writer with a reason."""
    if view.status == "superseded":
        return [
            context(
                ":arrow_right_hook: *Superseded*: another reply already answered this post of "
                f"{escape_mrkdwn(target)}. Nothing was posted from this draft."
            ),
            actions(
                f"draft:{view.id}",
                button(
                    "Send as follow-up",
                    ActionId.FOLLOW_UP,
                    ref,
                    confirm=confirm_dialog(
                        "Re-open as a second reply?",
                        f"{escape_mrkdwn(target)} already got a reply. Once approved, this one is posted "
                        "as a second, separate reply.",
                        "Re-open",
                    ),
                ),
                button("Discard", ActionId.DISCARD, ref, style="danger"),
            ),
        ]
    reason = escape_mrkdwn(view.changes_reason or "")
    return [
        section(f":pencil2: *Changes requested* by {user(view.changes_requested_by)}: {reason}"),
        context("Edit the draft to bring it back for approval."),
        actions(
            f"draft:{view.id}",
            button("Edit", ActionId.EDIT, ref, style="primary"),
            button("Discard", ActionId.DISCARD, ref, style="danger"),
        ),
    ]
