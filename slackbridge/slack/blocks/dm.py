"""Block Kit for DM cases: the card, the messages in its thread, and the pointer left on a public case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slackbridge.slack.blocks.card import STATUS_LABELS, CardView, TweetView, author_line
from slackbridge.slack.blocks.common import (
    Block,
    actions,
    button,
    context,
    link,
    plain,
    quote_block,
    section,
    slack_date,
    user,
)
from slackbridge.slack.blocks.modals import draft_input
from slackbridge.slack.ids import ActionId, CallbackId, Ref, encode_ref
from slackbridge.text import escape_mrkdwn

GROUP_NOTE = ":busts_in_silhouette: Group conversation: shown here read-only; answer it in X's app."


@dataclass(frozen=True)
class DmInfo:
    """What a DM card shows besides the message: where it is on X and how it relates to other cases."""

    dm_conversation_id: str
    group: bool = False
    continues_case: int | None = None  # the customer's public case this conversation continues
    csat_score: int | None = None


def conversation_url(dm_conversation_id: str) -> str:
    return f"https://x.com/messages/{dm_conversation_id}"


def dm_pointer_text(dm_channel: str) -> str:
    return f"Continued in DM — see <#{dm_channel}>"


def build_dm_pointer(dm_channel: str) -> list[Block]:
    return [context(f":lock: {dm_pointer_text(dm_channel)}")]


def dm_fallback_text(view: CardView) -> str:
    """Notification text of a DM card: who wrote, never what (previews travel to phones and watches)."""
    return f"New direct message from @{escape_mrkdwn(view.tweet.author.username)}"


def _when(tweet: TweetView, dm: DmInfo) -> str:
    return f"{slack_date(tweet.created_at)} · {link(conversation_url(dm.dm_conversation_id), 'Open on X')}"


def build_dm_card(view: CardView, dm: DmInfo) -> list[Block]:
    """The card of a DM conversation in the private DM channel."""
    blocks: list[Block] = [
        section(f":envelope_with_arrow: *Direct message* · {author_line(view.tweet.author)}"),
        quote_block(view.tweet.text),
        context(_when(view.tweet, dm)),
    ]
    meta = [f"Case #{view.case_id}", STATUS_LABELS.get(view.status, escape_mrkdwn(view.status))]
    if view.assignee_id:
        meta.append(f"assigned to {user(view.assignee_id)}")
    blocks.append(context(" · ".join(meta)))
    if dm.continues_case is not None:
        blocks.append(context(f":link: Continues public case #{dm.continues_case}"))
    if dm.csat_score is not None:
        blocks.append(context(f":star: Customer rating: *{dm.csat_score}/5*"))
    for note in view.notes[-3:]:
        blocks.append(context(f":memo: {escape_mrkdwn(note)}"))
    ref = Ref(case_id=view.case_id)
    buttons: list[Block] = []
    if dm.group:
        blocks.append(context(GROUP_NOTE))
    else:
        buttons.append(button("Write a reply", ActionId.WRITE_REPLY, ref, style="primary"))
        if view.suggestions_enabled:
            buttons.append(button("Suggest reply", ActionId.SUGGEST, ref))
    if not view.assignee_id and view.status != "resolved":
        buttons.append(button("Assign to me", ActionId.ASSIGN, ref))
    if view.status == "resolved":
        buttons.append(button("Reopen", ActionId.REOPEN, ref))
    else:
        buttons.append(button("Resolve", ActionId.RESOLVE, ref))
    blocks.append(actions(f"case:{view.case_id}", *buttons))
    return blocks


def build_dm_followup(case_id: int, tweet: TweetView, dm: DmInfo, *, ours: bool) -> list[Block]:
    """A later message of the conversation in the card's thread; ours are marked as ours."""
    if ours:
        return [
            section(f":outbox_tray: *Sent by us* · {author_line(tweet.author)}"),
            quote_block(tweet.text),
            context(_when(tweet, dm)),
        ]
    blocks: list[Block] = [
        section(f":envelope_with_arrow: {author_line(tweet.author)}"),
        quote_block(tweet.text),
        context(_when(tweet, dm)),
    ]
    if not dm.group:
        ref = Ref(case_id=case_id, extra=tweet.id)
        blocks.append(
            actions(
                f"followup:{tweet.id}",
                button("Reply to this", ActionId.WRITE_REPLY, ref, style="primary"),
                button("Suggest reply", ActionId.SUGGEST, ref),
            )
        )
    return blocks


def dm_followup_text(tweet: TweetView, *, ours: bool) -> str:
    if ours:
        return "A direct message we sent"
    return f"Direct message from @{escape_mrkdwn(tweet.author.username)}"


def build_first_dm_modal(case_id: int, username: str) -> dict[str, Any]:
    """The window for a first DM to the customer of a public case."""
    return {
        "type": "modal",
        "callback_id": CallbackId.FIRST_DM.value,
        "private_metadata": encode_ref(Ref(case_id=case_id)),
        "title": plain("Continue in DM"),
        "submit": plain("Save draft"),
        "close": plain("Cancel"),
        "blocks": [
            section(f"A direct message to *@{escape_mrkdwn(username)}* (up to 10,000 characters)."),
            draft_input(None, label="Direct message"),
            context(
                "The draft waits in the private DM channel; an approver sends it. "
                "The customer's answer continues there."
            ),
        ],
    }
